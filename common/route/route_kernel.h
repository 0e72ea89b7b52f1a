// The seam between routed and the kernel's routing tables: every call returns the kernel's
// errno as a value. NetlinkRouteKernel talks to the kernel over rtnetlink; FakeRouteKernel
// answers the same way from memory for unit tests of routed.
//
// Every route written carries the implementation's route protocol id, and only routes of that
// id are dumped or deleted, so routes of other owners (static routes, DHCP, BIRD, ...) in the
// same table are never changed:
//   AddRoute      creates; EEXIST when any route (ours or not) holds the key. Never replaces.
//   ReplaceRoute  creates or replaces the route holding the key. The kernel replaces whatever
//                 route holds it, so call it only for keys a dump showed to be ours (as the
//                 diff in route_diff.h does).
//   DeleteRoute   removes our route with the key (next hops are not compared); ESRCH when
//                 there is none, also when a route of another protocol holds the key. IPv4
//                 only: the kernel reads metric 0 as "any metric", so deleting a metric-0 key
//                 that is absent removes our lowest-metric route to that destination instead
//                 (SyncRoutes only deletes keys it has just seen, so it is not affected).
// Other errors the kernel gives and implementations give too (Error::code):
//   ENETUNREACH  a gateway not reachable through a connected route (without onlink)
//   ENODEV       an interface index that does not exist (route without gateway)
// The message carries the kernel's extended ack text when it gives one, e.g.
// "add 198.18.7.0/24 via 10.254.0.1 table 254 metric 0: kernel: Network is unreachable
// (Nexthop has invalid gateway)".
//   EINVAL       malformed request (e.g. onlink without an interface)
//
// Threading: implementations are not thread-safe; one owner thread.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "common/base/expected.h"
#include "common/route/route_types.h"

namespace kr::route {

class RouteKernel {
 public:
  virtual ~RouteKernel() = default;

  virtual RouteProtocol protocol() const = 0;

  virtual Status AddRoute(const Route& route) = 0;
  virtual Status ReplaceRoute(const Route& route) = 0;
  virtual Status DeleteRoute(const Route& route) = 0;
  // Our routes (unicast, our protocol) matching filter, in no particular order.
  virtual Expected<std::vector<Route>> DumpRoutes(const RouteFilter& filter) = 0;

  // Applies ops in order and returns one Status per op; a failed op does not stop the rest.
  // The default calls the single-route methods; NetlinkRouteKernel batches many ops per
  // system call.
  virtual std::vector<Status> Apply(std::span<const RouteOp> ops);

  // Creates the tunnel interface, up. EEXIST when an interface has that name.
  virtual Status CreateTunnel(const TunnelSpec& spec) = 0;
  // ENODEV when no interface has that name; EINVAL (and nothing deleted) when it is not an
  // ipip/ip6tnl tunnel, so a wrong name never removes e.g. the node's uplink.
  virtual Status DeleteTunnel(const std::string& name) = 0;
  // Every ipip and ip6ip6 tunnel, including ones we did not create (e.g. the kernel's
  // fallback "tunl0", which has no remote): callers select theirs by name.
  virtual Expected<std::vector<Tunnel>> ListTunnels() = 0;
};

}  // namespace kr::route
