// A change to the set of prefixes this node originates: what to announce, what to withdraw.
#pragma once

#include <string>
#include <vector>

#include "common/route/ip_prefix.h"

namespace kr::routed::advertise {

struct PrefixDelta {
  std::vector<route::IpPrefix> added;    // now originated, were not; sorted
  std::vector<route::IpPrefix> removed;  // no longer originated; sorted

  bool empty() const { return added.empty() && removed.empty(); }
  bool operator==(const PrefixDelta&) const = default;
  std::string ToString() const;  // "+192.0.2.1/32 -2001:db8::1/128", for logs and tests
};

}  // namespace kr::routed::advertise
