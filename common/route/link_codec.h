// rtnetlink messages for the overlay's tunnel interfaces (RTM_NEWLINK / RTM_DELLINK /
// RTM_GETLINK): building requests and parsing answers, pure functions over byte buffers.
#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/expected.h"
#include "common/route/route_types.h"

namespace kr::route {

// "ipip" for an IPv4 remote, "ip6tnl" for an IPv6 one; empty for an unspecified remote.
std::string_view TunnelKind(const TunnelSpec& spec);

// RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL|NLM_F_ACK creating the tunnel already up
// (IFF_UP). ipip: local/remote/ttl, path MTU discovery on; ip6tnl: ip6ip6 mode. EINVAL for a
// bad name, an unspecified remote, or a local address of the other family.
Expected<std::vector<uint8_t>> BuildCreateTunnelRequest(const TunnelSpec& spec);

// RTM_DELLINK of one interface by index, with NLM_F_ACK.
std::vector<uint8_t> BuildDeleteLinkRequest(int ifindex);

// RTM_GETLINK dump of every interface.
std::vector<uint8_t> BuildLinkDumpRequest();

struct ParsedLink {
  std::string name;
  int ifindex = 0;
  bool up = false;
  std::string kind;              // IFLA_INFO_KIND, empty for devices without one
  std::optional<Tunnel> tunnel;  // set for ipip and ip6tnl (ip6ip6) interfaces
};

// One RTM_NEWLINK message; EINVAL when malformed.
Expected<ParsedLink> ParseLinkMessage(const nlmsghdr* message);

}  // namespace kr::route
