// ROUTE-REFRESH message (RFC 2918) with the Enhanced Route Refresh subtypes of RFC 7313.
//
// Subtypes other than 0..2 decode fine and must be ignored by the session (RFC 7313 5);
// AFI/SAFIs that were not negotiated must be ignored too (RFC 2918 4): both are session
// decisions, so the decoder keeps the raw values.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "services/routed/bgp/afi_safi.h"
#include "services/routed/bgp/decode_result.h"

namespace kr::bgp {

enum class RouteRefreshSubtype : uint8_t {
  kRequest = 0,
  kBeginningOfRouteRefresh = 1,  // BoRR
  kEndOfRouteRefresh = 2,        // EoRR
};

struct RouteRefreshMessage {
  AfiSafi family;
  uint8_t subtype = 0;  // a RouteRefreshSubtype, or any other value a peer sent

  bool known_subtype() const { return subtype <= 2; }
  bool operator==(const RouteRefreshMessage&) const = default;
};

// `message` is the whole message, header included: RFC 7313 puts it all in the error data.
DecodeResult<RouteRefreshMessage> DecodeRouteRefresh(std::span<const uint8_t> message);
void EncodeRouteRefreshBody(const RouteRefreshMessage& message, std::vector<uint8_t>& out);

}  // namespace kr::bgp
