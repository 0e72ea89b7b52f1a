// An IPv4 or IPv6 address: a family and the address bytes in network order, as the kernel's
// netlink interfaces carry them. One type for IPVS (common/ipvs) and kernel routes
// (common/route); the BGP speaker has its own wire-level type (services/routed/bgp).
#pragma once

#include <sys/socket.h>

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/base/expected.h"

namespace kr {

class IpAddress {
 public:
  IpAddress() = default;  // unspecified (AF_UNSPEC): no gateway, the address of a fwmark service

  // Dotted IPv4 or textual IPv6 ("192.0.2.1", "2001:db8::1"); EINVAL otherwise.
  static Expected<IpAddress> Parse(std::string_view text);
  // For literals known to be valid (tests, constants): an invalid text is a broken invariant.
  static IpAddress FromString(std::string_view text);
  // Exactly 4 (AF_INET) or 16 (AF_INET6) bytes; EINVAL for another length, EAFNOSUPPORT for
  // another family.
  static Expected<IpAddress> FromBytes(int family, std::span<const uint8_t> bytes);
  // At least the family's length, the rest ignored: for kernel unions that always carry 16
  // bytes (IPVS's nf_inet_addr holds an IPv4 address in its first 4).
  static Expected<IpAddress> FromPaddedBytes(int family, std::span<const uint8_t> bytes);

  int family() const { return family_; }
  bool is_v4() const { return family_ == AF_INET; }
  bool is_v6() const { return family_ == AF_INET6; }
  bool is_unspecified() const { return family_ == AF_UNSPEC; }
  // 4 bytes for IPv4, 16 for IPv6, none when unspecified.
  std::span<const uint8_t> bytes() const;
  std::string ToString() const;

  // By family, then bytes.
  auto operator<=>(const IpAddress&) const = default;

 private:
  int family_ = AF_UNSPEC;
  std::array<uint8_t, 16> bytes_{};
};

// Address length in bytes for AF_INET / AF_INET6, 0 for anything else.
size_t AddressLength(int family);

}  // namespace kr
