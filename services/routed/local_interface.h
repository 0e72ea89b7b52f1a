// Where one of this node's addresses lives: the interface that holds it and the subnet of that
// interface address (what the overlay needs to tell same-subnet peers from the others).
#pragma once

#include "common/base/expected.h"
#include "common/route/ip_prefix.h"

namespace kr::routed {

struct LocalInterface {
  route::IpPrefix subnet;  // e.g. 192.0.2.0/24 for 192.0.2.10/24
  int ifindex = 0;
};

// Reads the addresses of the calling thread's network namespace. ENOENT when no interface
// holds `address`.
Expected<LocalInterface> FindLocalInterface(const route::IpAddress& address);

}  // namespace kr::routed
