// The pure delta between the routes routed wants and our routes the kernel holds.
#pragma once

#include <span>
#include <vector>

#include "common/route/route_types.h"

namespace kr::route {

// Whether the kernel's `current` route already is `desired`: same key, preferred source and
// next hops, where a desired next hop without an interface (ifindex 0) accepts the interface
// the kernel derived from its gateway.
bool Satisfies(const Route& current, const Route& desired);

// The fewest ops turning `current` (our routes from a dump) into `desired`: kAdd for keys not
// in current, kReplace for keys whose route differs, kDelete for current keys not desired.
// Adds and replaces come first (so traffic moving to a new key never finds no route), then
// deletes; within each group ops are ordered by key. Of desired routes with one key the last
// wins. Routes of other protocols are not in `current`, so they are never touched; a desired
// key held by such a route yields kAdd, which the kernel refuses with EEXIST.
std::vector<RouteOp> DiffRoutes(std::span<const Route> desired, std::span<const Route> current);

}  // namespace kr::route
