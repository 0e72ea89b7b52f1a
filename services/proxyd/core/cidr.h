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
  // The prefix with host bits cleared, as iptables-save prints it ("10.244.0.0/16").
  std::string MaskedString() const;
  int family() const { return network_.family(); }
  bool operator==(const Cidr&) const = default;

 private:
  ipvs::IpAddress network_;
  uint8_t prefix_length_ = 0;
};

}  // namespace kr::proxyd
