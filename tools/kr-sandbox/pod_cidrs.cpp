#include "tools/kr-sandbox/pod_cidrs.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstdint>

namespace kr::sandbox {
namespace {

struct Cidr4 {
  uint32_t network = 0;  // host byte order
  int prefix = 0;
};

Expected<Cidr4> ParseCidr4(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) return Error{EINVAL, "\"" + text + "\" is not a CIDR"};
  in_addr addr{};
  if (inet_pton(AF_INET, text.substr(0, slash).c_str(), &addr) != 1)
    return Error{EINVAL, "\"" + text + "\" is not an IPv4 CIDR"};
  int prefix = -1;
  const char* begin = text.data() + slash + 1;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, prefix);
  if (ec != std::errc() || ptr != end || prefix < 0 || prefix > 32)
    return Error{EINVAL, "\"" + text + "\" has a bad prefix length"};
  uint32_t network = ntohl(addr.s_addr);
  if (prefix < 32) network &= ~((prefix == 0 ? 0xffffffffu : (0xffffffffu >> prefix)));
  return Cidr4{network, prefix};
}

std::string FormatCidr4(uint32_t network, int prefix) {
  in_addr addr{htonl(network)};
  char text[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &addr, text, sizeof text);
  return std::string(text) + "/" + std::to_string(prefix);
}

}  // namespace

Expected<std::string> NextPodCidr(const std::string& cluster_cidr, int mask,
                                  const std::set<std::string>& used) {
  auto cluster = ParseCidr4(cluster_cidr);
  if (!cluster) return cluster.error();
  if (mask < cluster->prefix || mask > 32)
    return Error{EINVAL,
                 "node CIDR mask /" + std::to_string(mask) + " does not fit in " + cluster_cidr};
  const uint64_t blocks = uint64_t{1} << (mask - cluster->prefix);
  const uint64_t block_size = uint64_t{1} << (32 - mask);
  for (uint64_t i = 0; i < blocks; ++i) {
    std::string candidate =
        FormatCidr4(static_cast<uint32_t>(cluster->network + i * block_size), mask);
    if (!used.contains(candidate)) return candidate;
  }
  return Error{ENOSPC, "no free /" + std::to_string(mask) + " left in " + cluster_cidr};
}

}  // namespace kr::sandbox
