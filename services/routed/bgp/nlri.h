// Prefix encoding of the NLRI, Withdrawn Routes and MP_(UN)REACH_NLRI fields (RFC 4271 4.3):
// one length octet in bits, then the fewest octets that hold those bits.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "services/routed/bgp/ip_address.h"

namespace kr::bgp {

// Appends the prefixes in `bytes` to `out`. Returns false when the field is syntactically
// incorrect (RFC 7606 5.3): a length above the family's width, or a prefix running past the
// end. Trailing host bits are masked, so the result is canonical.
[[nodiscard]] bool DecodePrefixes(std::span<const uint8_t> bytes, IpFamily family,
                                  std::vector<IpPrefix>& out);
void EncodePrefix(const IpPrefix& prefix, std::vector<uint8_t>& out);
inline size_t EncodedPrefixSize(const IpPrefix& prefix) {
  return 1 + (prefix.length() + 7) / 8;
}

}  // namespace kr::bgp
