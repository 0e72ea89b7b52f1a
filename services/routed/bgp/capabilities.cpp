#include "services/routed/bgp/capabilities.h"

#include <algorithm>

#include "services/routed/bgp/byte_io.h"

namespace kr::bgp {

bool Capabilities::Supports(AfiSafi family) const {
  return std::find(multiprotocol.begin(), multiprotocol.end(), family) != multiprotocol.end();
}

namespace {

DecodeError Malformed(uint8_t code, const std::string& why) {
  return MakeDecodeError(err::kOpenMessage, err::kUnspecific, {},
                         "malformed capability " + std::to_string(code) + ": " + why);
}

DecodeResult<bool> DecodeGracefulRestart(std::span<const uint8_t> value,
                                         GracefulRestartCapability& gr) {
  ByteReader r(value);
  uint16_t flags_and_time = 0;
  if (!r.ReadU16(flags_and_time) || r.remaining() % 4 != 0) {
    return Malformed(cap::kGracefulRestart, "length " + std::to_string(value.size()));
  }
  gr.restarting = (flags_and_time & 0x8000) != 0;
  gr.notification = (flags_and_time & 0x4000) != 0;
  gr.restart_time = flags_and_time & 0x0fff;
  gr.families.clear();
  while (!r.empty()) {
    GracefulRestartFamily f;
    uint8_t flags = 0;
    if (!r.ReadU16(f.family.afi) || !r.ReadU8(f.family.safi) || !r.ReadU8(flags)) break;
    f.forwarding_preserved = (flags & 0x80) != 0;
    gr.families.push_back(f);
  }
  return true;
}

}  // namespace

DecodeResult<bool> DecodeCapabilities(std::span<const uint8_t> value, Capabilities& into) {
  ByteReader r(value);
  while (!r.empty()) {
    uint8_t code = 0;
    uint8_t length = 0;
    std::span<const uint8_t> body;
    if (!r.ReadU8(code) || !r.ReadU8(length) || !r.ReadBytes(length, body)) {
      return Malformed(code, "truncated");
    }
    ByteReader b(body);
    switch (code) {
      case cap::kMultiprotocol: {
        AfiSafi family;
        uint8_t reserved = 0;
        if (length != 4 || !b.ReadU16(family.afi) || !b.ReadU8(reserved) ||
            !b.ReadU8(family.safi)) {
          return Malformed(code, "length " + std::to_string(length));
        }
        if (!into.Supports(family)) into.multiprotocol.push_back(family);
        break;
      }
      case cap::kRouteRefresh:
        if (length != 0) return Malformed(code, "length " + std::to_string(length));
        into.route_refresh = true;
        break;
      case cap::kEnhancedRouteRefresh:
        if (length != 0) return Malformed(code, "length " + std::to_string(length));
        into.enhanced_route_refresh = true;
        break;
      case cap::kFourOctetAs: {
        uint32_t asn = 0;
        if (length != 4 || !b.ReadU32(asn)) {
          return Malformed(code, "length " + std::to_string(length));
        }
        into.four_octet_as = asn;
        break;
      }
      case cap::kGracefulRestart: {
        GracefulRestartCapability gr;
        if (auto ok = DecodeGracefulRestart(body, gr); !ok) return ok.error();
        into.graceful_restart = std::move(gr);
        break;
      }
      default:
        into.unknown.push_back(RawCapability{code, {body.begin(), body.end()}});
        break;
    }
  }
  return true;
}

std::vector<RawCapability> EncodeCapabilities(const Capabilities& c) {
  std::vector<RawCapability> out;
  for (const AfiSafi& family : c.multiprotocol) {
    RawCapability mp{cap::kMultiprotocol, {}};
    ByteWriter w(mp.value);
    w.U16(family.afi);
    w.U8(0);
    w.U8(family.safi);
    out.push_back(std::move(mp));
  }
  if (c.route_refresh) out.push_back({cap::kRouteRefresh, {}});
  if (c.enhanced_route_refresh) out.push_back({cap::kEnhancedRouteRefresh, {}});
  if (c.four_octet_as) {
    RawCapability as4{cap::kFourOctetAs, {}};
    ByteWriter(as4.value).U32(*c.four_octet_as);
    out.push_back(std::move(as4));
  }
  if (c.graceful_restart) {
    const GracefulRestartCapability& gr = *c.graceful_restart;
    RawCapability raw{cap::kGracefulRestart, {}};
    ByteWriter w(raw.value);
    w.U16(static_cast<uint16_t>((gr.restarting ? 0x8000 : 0) | (gr.notification ? 0x4000 : 0) |
                                (gr.restart_time & 0x0fff)));
    for (const GracefulRestartFamily& f : gr.families) {
      w.U16(f.family.afi);
      w.U8(f.family.safi);
      w.U8(f.forwarding_preserved ? 0x80 : 0);
    }
    out.push_back(std::move(raw));
  }
  out.insert(out.end(), c.unknown.begin(), c.unknown.end());
  return out;
}

}  // namespace kr::bgp
