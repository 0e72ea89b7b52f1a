// IPv4/IPv6 prefixes as kernel routes carry them (the address type is common/base's).
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
#include "common/base/ip_address.h"

namespace kr::route {

using kr::IpAddress;

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
