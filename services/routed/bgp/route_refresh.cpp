#include "services/routed/bgp/route_refresh.h"

#include "services/routed/bgp/byte_io.h"
#include "services/routed/bgp/message_header.h"

namespace kr::bgp {

DecodeResult<RouteRefreshMessage> DecodeRouteRefresh(std::span<const uint8_t> message) {
  constexpr size_t kLength = kHeaderLength + 4;
  if (message.size() < kLength) {
    return MakeDecodeError(
        err::kMessageHeader, err::kBadMessageLength,
        {static_cast<uint8_t>(message.size() >> 8), static_cast<uint8_t>(message.size())},
        "ROUTE-REFRESH shorter than 23 octets");
  }
  ByteReader r(message.subspan(kHeaderLength));
  RouteRefreshMessage rr;
  if (!r.ReadU16(rr.family.afi) || !r.ReadU8(rr.subtype) || !r.ReadU8(rr.family.safi)) {
    return MakeDecodeError(err::kMessageHeader, err::kBadMessageLength, {}, "short ROUTE-REFRESH");
  }
  if (message.size() != kLength) {
    if (rr.subtype == 1 || rr.subtype == 2) {
      return MakeDecodeError(err::kRouteRefreshMessage, err::kInvalidRouteRefreshLength,
                             {message.begin(), message.end()},
                             "BoRR/EoRR with length " + std::to_string(message.size()));
    }
    return MakeDecodeError(
        err::kMessageHeader, err::kBadMessageLength,
        {static_cast<uint8_t>(message.size() >> 8), static_cast<uint8_t>(message.size())},
        "ROUTE-REFRESH with length " + std::to_string(message.size()));
  }
  return rr;
}

void EncodeRouteRefreshBody(const RouteRefreshMessage& message, std::vector<uint8_t>& out) {
  ByteWriter w(out);
  w.U16(message.family.afi);
  w.U8(message.subtype);
  w.U8(message.family.safi);
}

}  // namespace kr::bgp
