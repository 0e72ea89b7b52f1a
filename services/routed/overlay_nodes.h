// The overlay (services/routed/overlay) driven by the controller's nodes: a node hook that
// keeps the tunnels to the other nodes, and the route shaper that sends learned pod CIDRs
// through them.
//
//   OverlayNodes overlay(enabled, type, netlink_kernel);
//   controller.AddNodeHook("overlay", [&](const NodesSnapshot& s) { return overlay.Sync(s); });
//   controller.SetRouteShaper([&](const LearnedRoute& r) { return overlay.Shape(r); });
//
// Our side of the tunnels is our node's InternalIP (else ExternalIP) on the bus, one per
// family, with the subnet and interface that hold it in this namespace (FindLocalInterface).
// The tunnel syncer is (re)made when those change. With the overlay off it still runs (so a
// node that turned it off loses our tunnels, as in kube-router), and Shape routes a peer on our
// subnet via its address and gives no route to a peer outside it: as kube-router, we leave that
// to the network (an upstream router that learned the pod CIDR over BGP); a route via a gateway
// that is not on-link would only be refused by the kernel on every sync.
// Until our address is found on an interface, Shape is PlainRoute.
//
// Threading: one owner (the controller loop). The kernel must outlive it.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "common/route/route_kernel.h"
#include "services/routed/local_interface.h"
#include "services/routed/overlay/tunnel_syncer.h"
#include "services/routed/routed_controller.h"

namespace kr::routed {

// A node's addresses that BGP and tunnels use: its InternalIPs, else its ExternalIPs.
std::vector<route::IpAddress> NodeIps(const model::Node& node);

class OverlayNodes {
 public:
  using InterfaceFinder = std::function<Expected<LocalInterface>(const route::IpAddress&)>;

  OverlayNodes(bool enabled, overlay::OverlayType type, route::RouteKernel& kernel,
               InterfaceFinder finder = FindLocalInterface);

  // A NodeHook: true when tunnels were created or deleted.
  Expected<bool> Sync(const NodesSnapshot& snapshot);
  std::optional<route::Route> Shape(const LearnedRoute& learned) const;
  // --cleanup-config: every tunnel of ours goes.
  Status Cleanup();

  const overlay::TunnelSyncer* syncer() const { return syncer_ ? &*syncer_ : nullptr; }

 private:
  overlay::OverlayConfig ConfigFor(const model::Node* self) const;

  const bool enabled_;
  const overlay::OverlayType type_;
  route::RouteKernel& kernel_;
  InterfaceFinder finder_;
  std::optional<overlay::TunnelSyncer> syncer_;
};

}  // namespace kr::routed
