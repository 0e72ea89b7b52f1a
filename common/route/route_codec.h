// rtnetlink messages for routes: building requests and parsing the kernel's answers. Pure
// functions over byte buffers (no socket), so unit tests check exactly what goes to the kernel.
//
// Requests are built with sequence number 0; the socket stamps its own (netlink_socket.h).
#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "common/base/expected.h"
#include "common/route/route_types.h"

namespace kr::route {

// RTM_NEWROUTE (kAdd: CREATE|EXCL, kReplace: CREATE|REPLACE) or RTM_DELROUTE, with NLM_F_ACK,
// tagged with `protocol`. A delete names only the key (table, destination, metric) plus our
// protocol, so it removes our route with that key whatever its next hops, and never a route
// of another protocol. EINVAL for a route the kernel would reject for its shape: a next hop
// of the other family, a weight outside 1..256, no next hop on add/replace.
Expected<std::vector<uint8_t>> BuildRouteRequest(RouteOp::Kind kind, const Route& route,
                                                 RouteProtocol protocol);

// RTM_GETROUTE dump of `filter`'s family and table. The kernel filters by protocol and table
// when the socket has NETLINK_GET_STRICT_CHK; callers still filter the answer (older kernels).
std::vector<uint8_t> BuildRouteDumpRequest(const RouteFilter& filter, RouteProtocol protocol);

struct ParsedRoute {
  Route route;
  RouteProtocol protocol = 0;
  uint8_t type = RTN_UNICAST;
};

// One RTM_NEWROUTE message of a dump. nullopt for what is not a unicast IPv4/IPv6 route
// (multicast families, local/broadcast/blackhole types, cloned cache entries); EINVAL for a
// malformed message.
Expected<std::optional<ParsedRoute>> ParseRouteMessage(const nlmsghdr* message);

}  // namespace kr::route
