// --enable-overlay / --overlay-type and what the overlay needs to know about this node.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/base/expected.h"
#include "common/route/ip_prefix.h"

namespace kr::routed::overlay {

// kube-router's --overlay-type:
//   subnet  tunnel only to peers outside this node's subnet (the rest is plain L2 routing)
//   full    tunnel to every peer, also those on the same subnet
enum class OverlayType { kSubnet, kFull };

// "subnet" or "full" (kube-router's spellings); EINVAL naming the value otherwise.
Expected<OverlayType> ParseOverlayType(std::string_view text);

// One of this node's addresses with the subnet it sits on (the node IP's interface address,
// e.g. 192.0.2.10 in 192.0.2.0/24). At most one per family is used: the first.
struct LocalAddress {
  route::IpAddress ip;
  route::IpPrefix subnet;
  bool operator==(const LocalAddress&) const = default;
};

struct OverlayConfig {
  bool enabled = false;  // --enable-overlay
  OverlayType type = OverlayType::kSubnet;
  std::vector<LocalAddress> local;
  int underlay_ifindex = 0;  // the node IP's interface: tunnels are bound to it (0: unbound)
  uint32_t tunnel_mtu = 0;   // 0: the kernel's choice (underlay MTU minus the outer header)

  // The local address of the family of `address`, if any.
  std::optional<LocalAddress> LocalFor(const route::IpAddress& address) const;
};

}  // namespace kr::routed::overlay
