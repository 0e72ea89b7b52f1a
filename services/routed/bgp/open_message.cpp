#include "services/routed/bgp/open_message.h"

#include <algorithm>

#include "services/routed/bgp/as_path.h"
#include "services/routed/bgp/byte_io.h"

namespace kr::bgp {

namespace {

constexpr uint8_t kParamCapabilities = 2;
constexpr uint8_t kParamExtendedLength = 255;  // RFC 9072 marker, in the non-extended type slot

DecodeError OpenError(uint8_t subcode, std::vector<uint8_t> data, std::string reason) {
  return MakeDecodeError(err::kOpenMessage, subcode, std::move(data), std::move(reason));
}

}  // namespace

OpenMessage MakeOpen(uint32_t asn, uint16_t hold_time, uint32_t bgp_identifier,
                     Capabilities capabilities) {
  OpenMessage open;
  open.my_as = static_cast<uint16_t>(asn > 0xffff ? kAsTrans : asn);
  open.hold_time = hold_time;
  open.bgp_identifier = bgp_identifier;
  open.capabilities = std::move(capabilities);
  open.capabilities.four_octet_as = asn;
  return open;
}

DecodeResult<OpenMessage> DecodeOpenBody(std::span<const uint8_t> body) {
  ByteReader r(body);
  OpenMessage open;
  uint8_t version = 0;
  uint8_t params_length = 0;
  if (!r.ReadU8(version) || !r.ReadU16(open.my_as) || !r.ReadU16(open.hold_time) ||
      !r.ReadU32(open.bgp_identifier) || !r.ReadU8(params_length)) {
    return MakeDecodeError(err::kMessageHeader, err::kBadMessageLength, {},
                           "OPEN shorter than its fixed fields");
  }
  if (version != kBgpVersion) {
    return OpenError(err::kUnsupportedVersionNumber, {0, kBgpVersion},
                     "version " + std::to_string(version));
  }
  if (open.hold_time == 1 || open.hold_time == 2) {
    return OpenError(err::kUnacceptableHoldTime, {}, "hold time " + std::to_string(open.hold_time));
  }
  if (open.bgp_identifier == 0) {
    return OpenError(err::kBadBgpIdentifier, {}, "BGP identifier 0.0.0.0");
  }
  // RFC 9072: a first type octet of 255 announces 2-octet parameter lengths.
  bool extended = false;
  size_t total = params_length;
  if (params_length > 0 && r.remaining() >= 1 && r.rest()[0] == kParamExtendedLength) {
    uint8_t marker = 0;
    uint16_t extended_total = 0;
    if (!r.ReadU8(marker) || !r.ReadU16(extended_total)) {
      return OpenError(err::kUnspecific, {}, "truncated extended optional parameters");
    }
    extended = true;
    total = extended_total;
  }
  std::span<const uint8_t> params;
  if (!r.ReadBytes(total, params) || !r.empty()) {
    return OpenError(err::kUnspecific, {}, "optional parameters length mismatch");
  }
  ByteReader p(params);
  while (!p.empty()) {
    uint8_t type = 0;
    uint8_t length8 = 0;
    uint16_t length16 = 0;
    std::span<const uint8_t> value;
    const bool ok = p.ReadU8(type) && (extended ? p.ReadU16(length16) : p.ReadU8(length8)) &&
                    p.ReadBytes(extended ? length16 : length8, value);
    if (!ok) return OpenError(err::kUnspecific, {}, "truncated optional parameter");
    if (type != kParamCapabilities) {
      return OpenError(err::kUnsupportedOptionalParameter, {},
                       "optional parameter type " + std::to_string(type));
    }
    if (auto decoded = DecodeCapabilities(value, open.capabilities); !decoded) {
      return decoded.error();
    }
  }
  // RFC 7607: AS 0 is never a valid peer AS.
  if (open.my_as == 0 || open.capabilities.four_octet_as == 0u) {
    return OpenError(err::kBadPeerAs, {}, "peer AS 0");
  }
  return open;
}

void EncodeOpenBody(const OpenMessage& open, std::vector<uint8_t>& out) {
  ByteWriter w(out);
  w.U8(kBgpVersion);
  w.U16(open.my_as);
  w.U16(open.hold_time);
  w.U32(open.bgp_identifier);
  const std::vector<RawCapability> caps = EncodeCapabilities(open.capabilities);
  size_t total = 0;
  for (const RawCapability& c : caps) total += 2 + 2 + c.value.size();
  // One parameter per capability; RFC 9072 lengths only when 255 octets do not suffice.
  const bool extended = total > 255;
  if (extended) {
    w.U8(kParamExtendedLength);
    w.U8(kParamExtendedLength);
  }
  const size_t total_at = extended ? w.ReserveU16() : w.ReserveU8();
  const size_t params_start = w.size();
  for (const RawCapability& c : caps) {
    w.U8(kParamCapabilities);
    const size_t cap_length = 2 + c.value.size();
    if (extended) {
      w.U16(static_cast<uint16_t>(cap_length));
    } else {
      w.U8(static_cast<uint8_t>(cap_length));
    }
    w.U8(c.code);
    w.U8(static_cast<uint8_t>(c.value.size()));
    w.Bytes(c.value);
  }
  const size_t params_length = w.size() - params_start;
  if (extended) {
    w.PatchU16(total_at, static_cast<uint16_t>(params_length));
  } else {
    w.PatchU8(total_at, static_cast<uint8_t>(params_length));
  }
}

std::optional<DecodeError> ValidateOpen(const OpenMessage& open, const OpenExpectations& local) {
  if (local.peer_as && open.PeerAs() != *local.peer_as) {
    return OpenError(err::kBadPeerAs, {},
                     "peer AS " + std::to_string(open.PeerAs()) + ", expected " +
                         std::to_string(*local.peer_as));
  }
  // RFC 6286 2.1: identifiers must differ within an AS.
  if (open.PeerAs() == local.local_as && open.bgp_identifier == local.local_identifier) {
    return OpenError(err::kBadBgpIdentifier, {}, "BGP identifier equals ours on an iBGP session");
  }
  if (open.hold_time != 0 && open.hold_time < local.min_hold_time) {
    return OpenError(err::kUnacceptableHoldTime, {}, "hold time " + std::to_string(open.hold_time));
  }
  Capabilities missing;
  if (local.require_four_octet_as && !open.capabilities.four_octet_as) {
    missing.four_octet_as = local.local_as;
  }
  for (const AfiSafi& family : local.required_families) {
    if (!open.capabilities.Supports(family)) missing.multiprotocol.push_back(family);
  }
  if (missing == Capabilities{}) return std::nullopt;
  std::vector<uint8_t> data;
  for (const RawCapability& c : EncodeCapabilities(missing)) {
    data.push_back(c.code);
    data.push_back(static_cast<uint8_t>(c.value.size()));
    data.insert(data.end(), c.value.begin(), c.value.end());
  }
  return OpenError(err::kUnsupportedCapability, std::move(data), "required capability missing");
}

}  // namespace kr::bgp
