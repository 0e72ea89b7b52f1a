#include "services/routed/bgp/nlri.h"

#include <array>

namespace kr::bgp {

bool DecodePrefixes(std::span<const uint8_t> bytes, IpFamily family, std::vector<IpPrefix>& out) {
  const size_t width = family == IpFamily::kIpv4 ? 4 : 16;
  size_t pos = 0;
  while (pos < bytes.size()) {
    const uint8_t length = bytes[pos++];
    if (length > MaxPrefixLength(family)) return false;
    const size_t octets = (length + 7u) / 8u;
    if (bytes.size() - pos < octets) return false;
    std::array<uint8_t, 16> address{};
    for (size_t i = 0; i < octets; ++i) address[i] = bytes[pos + i];
    pos += octets;
    auto ip = IpAddress::FromBytes(std::span<const uint8_t>(address.data(), width));
    out.emplace_back(*ip, length);
  }
  return true;
}

void EncodePrefix(const IpPrefix& prefix, std::vector<uint8_t>& out) {
  out.push_back(prefix.length());
  std::span<const uint8_t> bytes = prefix.address().bytes();
  out.insert(out.end(), bytes.begin(), bytes.begin() + (prefix.length() + 7) / 8);
}

}  // namespace kr::bgp
