// Turns learned BGP routes into kernel routes (our protocol, main table) and writes them,
// remembering what it wrote, so that a change of a few prefixes writes just those.
//
//   RouteInstaller installer(kernel);
//   installer.SyncAll(wanted, shaper);   // dump and diff everything: start-up, full syncs,
//                                        // after a failure (repairs drift, drops leftovers)
//   installer.Update(changes, shaper);   // only these prefixes, one batch, no dump
//
// Update trusts that the kernel still holds what was written: a route removed or changed
// behind our back is repaired by the next SyncAll, not by Update. A new key is added (never
// replacing a route of another owner: EEXIST, as route::SyncRoutes does), a key written before
// is replaced, a key no longer wanted is deleted (ESRCH counts as done).
//
// Threading: not thread-safe; one owner thread, like the RouteKernel it writes to (which must
// outlive it).
#pragma once

#include <functional>
#include <map>
#include <optional>

#include "common/route/route_kernel.h"
#include "common/route/route_sync.h"
#include "services/routed/bgp/ip_address.h"

namespace kr::routed {

// A best route learned from a peer, about to become a kernel route.
struct LearnedRoute {
  bgp::IpPrefix prefix;
  bgp::IpAddress next_hop;
  auto operator<=>(const LearnedRoute&) const = default;
};

// How a learned route becomes a kernel route. The default: a plain route via the next hop
// in the main table. The overlay may install its own (through a tunnel); nullopt skips it.
using RouteShaper = std::function<std::optional<route::Route>(const LearnedRoute&)>;
std::optional<route::Route> PlainRoute(const LearnedRoute& learned);

// Learned routes by prefix: their next hop.
using LearnedRoutes = std::map<bgp::IpPrefix, bgp::IpAddress>;
// Changed prefixes: their next hop now (nullopt: no longer routed).
using LearnedChanges = std::map<bgp::IpPrefix, std::optional<bgp::IpAddress>>;

class RouteInstaller {
 public:
  explicit RouteInstaller(route::RouteKernel& kernel) : kernel_(kernel) {}

  // Makes our main-table routes equal to `wanted` (shaped): dump, diff, batched writes.
  route::SyncResult SyncAll(const LearnedRoutes& wanted, const RouteShaper& shaper);
  // Writes the routes of `changes` that differ from what was written, in one batch.
  route::SyncResult Update(const LearnedChanges& changes, const RouteShaper& shaper);

  // What the kernel should hold now, by prefix (as shaped).
  const std::map<bgp::IpPrefix, route::Route>& written() const { return written_; }

 private:
  route::RouteKernel& kernel_;
  std::map<bgp::IpPrefix, route::Route> written_;
};

}  // namespace kr::routed
