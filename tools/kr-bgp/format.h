// kr-bgp's human output, in the layout of `gobgp neighbor` and `gobgp global rib` so that
// operators used to kube-router read it at a glance. Pure functions of the control socket's
// views (services/routed/bgp/control/control_types.h); every result ends with '\n'.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "services/routed/bgp/control/control_types.h"

namespace kr::bgpctl {

// gobgp's uptime form: "00:00:07", "02:03:04", "3d 01:02:03"; "never" when unknown.
std::string FormatDuration(std::optional<int64_t> seconds);

// Peer, AS, Up/Down, State, |#Received, Accepted: one line per neighbour.
std::string FormatNeighborTable(const std::vector<bgp::control::NeighborView>& neighbors);
// The `gobgp neighbor <addr>` block: state, uptime, hold time, capabilities, counters.
std::string FormatNeighborDetail(const bgp::control::NeighborView& neighbor);

// "[{Origin: i} {LocalPref: 100} {Med: 0} {Communities: 65000:1, no-export}]"
std::string FormatAttributes(const bgp::control::RouteView& route);
// "*>" for best routes, then Network, Next Hop, AS_PATH, Age, Attrs; "Network not in table"
// when there are no routes.
std::string FormatRibTable(const std::vector<bgp::control::RouteView>& routes);

}  // namespace kr::bgpctl
