// Address family identifiers (RFC 4760) as carried in capabilities, MP_REACH/MP_UNREACH and
// ROUTE-REFRESH. Kept as raw numbers so unknown families survive decoding and re-encoding.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>

#include "services/routed/bgp/ip_address.h"

namespace kr::bgp {

inline constexpr uint16_t kAfiIpv4 = 1;
inline constexpr uint16_t kAfiIpv6 = 2;
inline constexpr uint8_t kSafiUnicast = 1;

struct AfiSafi {
  uint16_t afi = 0;
  uint8_t safi = 0;

  // The IP family of a unicast AFI/SAFI this codec parses NLRI for; nullopt otherwise.
  std::optional<IpFamily> UnicastFamily() const {
    if (safi != kSafiUnicast) return std::nullopt;
    if (afi == kAfiIpv4) return IpFamily::kIpv4;
    if (afi == kAfiIpv6) return IpFamily::kIpv6;
    return std::nullopt;
  }
  std::string ToString() const {
    if (afi == kAfiIpv4 && safi == kSafiUnicast) return "ipv4-unicast";
    if (afi == kAfiIpv6 && safi == kSafiUnicast) return "ipv6-unicast";
    return "afi" + std::to_string(afi) + "/safi" + std::to_string(safi);
  }
  auto operator<=>(const AfiSafi&) const = default;
};

inline constexpr AfiSafi kIpv4Unicast{kAfiIpv4, kSafiUnicast};
inline constexpr AfiSafi kIpv6Unicast{kAfiIpv6, kSafiUnicast};

inline AfiSafi UnicastOf(IpFamily family) {
  return family == IpFamily::kIpv4 ? kIpv4Unicast : kIpv6Unicast;
}

}  // namespace kr::bgp
