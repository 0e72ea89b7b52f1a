// An IPv4 or IPv6 prefix ("10.96.0.0/12", "2001:db8::/64") and membership of an address.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/expected.h"
#include "common/ipvs/ip_address.h"

namespace kr::proxyd {

class Cidr {
 public:
  // EINVAL for a malformed address or a prefix length beyond the family's bits. A bare
  // address is a host prefix.
  static Expected<Cidr> Parse(std::string_view text);

  bool Contains(const ipvs::IpAddress& address) const;
  std::string ToString() const;

 private:
  ipvs::IpAddress network_;
  uint8_t prefix_length_ = 0;
};

}  // namespace kr::proxyd
