// IPv4/IPv6 addresses and prefixes as kernel routes carry them.
//
// Small value types (family + 16 bytes) so that route keys compare and order cheaply. An
// IpPrefix is canonical (host bits zero), so two spellings of one destination compare equal
// and the diff never sees a difference the kernel would not.
#pragma once

#include <sys/socket.h>

#include <array>
#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/base/expected.h"

namespace kr::route {

class IpAddress {
 public:
  IpAddress() = default;  // unspecified (AF_UNSPEC): "no gateway"

  // "192.0.2.1" or "2001:db8::1"; EINVAL otherwise.
  static Expected<IpAddress> Parse(std::string_view text);
  // For literals known to be valid (tests, constants): an invalid text is a broken invariant.
  static IpAddress FromString(std::string_view text);
  // bytes.size() must be 4 (AF_INET) or 16 (AF_INET6); EINVAL otherwise.
  static Expected<IpAddress> FromBytes(int family, std::span<const uint8_t> bytes);

  int family() const { return family_; }
  bool is_v4() const { return family_ == AF_INET; }
  bool is_v6() const { return family_ == AF_INET6; }
  bool is_unspecified() const { return family_ == AF_UNSPEC; }
  // 4 bytes for IPv4, 16 for IPv6, none when unspecified.
  std::span<const uint8_t> bytes() const;
  std::string ToString() const;

  auto operator<=>(const IpAddress&) const = default;

 private:
  int family_ = AF_UNSPEC;
  std::array<uint8_t, 16> bytes_{};
};

class IpPrefix {
 public:
  IpPrefix() = default;
  // "198.51.100.0/24", "2001:db8::/64"; a bare address is a host prefix (/32, /128). Host bits
  // must be zero (EINVAL otherwise), as `ip route` insists too.
  static Expected<IpPrefix> Parse(std::string_view text);
  static IpPrefix FromString(std::string_view text);  // valid literals only
  // Masks host bits; EINVAL when length exceeds the family's width.
  static Expected<IpPrefix> Make(const IpAddress& address, int length);

  const IpAddress& address() const { return address_; }
  int length() const { return length_; }
  int family() const { return address_.family(); }
  bool Contains(const IpAddress& address) const;
  std::string ToString() const;

  auto operator<=>(const IpPrefix&) const = default;

 private:
  IpAddress address_;
  int length_ = 0;
};

// Address width in bits: 32, 128, or 0 for anything else.
int MaxPrefixLength(int family);

}  // namespace kr::route
