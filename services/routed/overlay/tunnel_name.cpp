#include "services/routed/overlay/tunnel_name.h"

#include <cstdint>

namespace kr::routed::overlay {
namespace {

constexpr uint64_t kFnvOffsetBasis = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

uint64_t Fnv1a(uint64_t hash, uint8_t byte) {
  return (hash ^ byte) * kFnvPrime;
}

bool IsLowerHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

}  // namespace

std::string TunnelName(const route::IpAddress& remote) {
  uint64_t hash = Fnv1a(kFnvOffsetBasis, static_cast<uint8_t>(remote.family()));
  for (const uint8_t byte : remote.bytes()) hash = Fnv1a(hash, byte);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string name(kTunnelPrefix);
  for (std::size_t i = 0; i < kTunnelHashDigits; ++i) {
    name += kDigits[(hash >> (60 - 4 * i)) & 0xf];
  }
  return name;
}

bool IsOverlayTunnelName(std::string_view name) {
  if (name.size() != kTunnelPrefix.size() + kTunnelHashDigits) return false;
  if (!name.starts_with(kTunnelPrefix)) return false;
  for (const char c : name.substr(kTunnelPrefix.size())) {
    if (!IsLowerHex(c)) return false;
  }
  return true;
}

}  // namespace kr::routed::overlay
