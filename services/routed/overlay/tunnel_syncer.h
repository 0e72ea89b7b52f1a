// Keeps the overlay's IP-in-IP tunnels in the kernel equal to what the peers need, through
// common/route's RouteKernel, and shapes learned pod-CIDR routes onto them.
//
//   TunnelSyncer overlay(config, kernel);                    // kernel: NetlinkRouteKernel
//   overlay.Sync(peer_node_ips, /*full=*/true);              // on node changes / full syncs
//   controller.SetRouteShaper([&](const LearnedRoute& r) {   // routed-core's RouteShaper
//     return overlay.Shape(ToRoute(r.prefix), ToRoute(r.next_hop));
//   });
//   overlay.Cleanup();                                       // --cleanup-config
//
// Ownership: only ipip/ip6tnl tunnels whose name has TunnelName's shape are ours (see
// tunnel_name.h); every other interface, including the kernel's tunl0, is never touched.
// Sync creates missing tunnels first, then deletes ours that no peer needs any more
// (the kernel drops the routes through a deleted tunnel with it). A tunnel of ours whose
// endpoints, binding or state differ (e.g. the peer's or our address changed, or someone set
// it down) is deleted and recreated. With the overlay disabled every tunnel of ours goes,
// as kube-router removes its tunnels when overlays are turned off.
//
// Routes are not written here: Shape gives the route for one learned pod CIDR (via the
// tunnel's current ifindex, or direct, or none; see RouteToPeer) and the caller's route sync
// (route_sync.h, one dump-and-diff over all our routes) installs it. So call Sync before the
// route sync that uses Shape.
//
// Threading: not thread-safe; one owner (the controller's sync loop). The kernel must
// outlive the syncer.
#pragma once

#include <map>
#include <span>
#include <string>
#include <vector>

#include "common/route/route_kernel.h"
#include "services/routed/overlay/overlay_config.h"
#include "services/routed/overlay/overlay_plan.h"

namespace kr::routed::overlay {

struct TunnelSyncResult {
  int created = 0;
  int deleted = 0;            // including the deletes of a recreate
  std::vector<Error> errors;  // one per failed kernel call; the others still ran

  bool ok() const { return errors.empty(); }
  std::string ToString() const;
};

class TunnelSyncer {
 public:
  TunnelSyncer(OverlayConfig config, route::RouteKernel& kernel)
      : config_(std::move(config)), kernel_(kernel) {}

  // `peer_ips`: the node IPs of the other nodes (duplicates and our own address are fine).
  // `full` lists the kernel's tunnels first (repairs drift, needed once after start);
  // otherwise the change is planned against what the last sync left, so one node's change
  // costs one create or delete (plus, after creates, one link dump to learn the new tunnels'
  // interface indexes, which CreateTunnel does not return).
  TunnelSyncResult Sync(std::span<const route::IpAddress> peer_ips, bool full = true);

  // The kernel route to a peer's pod CIDR learned with next hop `peer_ip` (see RouteToPeer),
  // using the tunnel the last Sync made.
  std::optional<route::Route> Shape(const route::IpPrefix& destination,
                                    const route::IpAddress& peer_ip) const;

  // Deletes every tunnel of ours (always lists the kernel), whatever the config says.
  TunnelSyncResult Cleanup();

  const OverlayConfig& config() const { return config_; }
  // Our tunnels as the last Sync or Cleanup left them, by name.
  const std::map<std::string, route::Tunnel>& tunnels() const { return tunnels_; }

 private:
  // Reads our tunnels from the kernel into tunnels_; false (error recorded) on failure.
  bool Observe(TunnelSyncResult& result);
  void Delete(const std::string& name, TunnelSyncResult& result);
  void Create(const route::TunnelSpec& spec, TunnelSyncResult& result);

  OverlayConfig config_;
  route::RouteKernel& kernel_;
  std::map<std::string, route::Tunnel> tunnels_;
  bool observed_ = false;  // tunnels_ reflects the kernel (false until a full read succeeds)
};

// Whether an existing tunnel already is `wanted` (endpoints, binding, up; the MTU only when
// one is asked for, since the kernel reports its own choice otherwise).
bool TunnelMatches(const route::Tunnel& existing, const route::TunnelSpec& wanted);

}  // namespace kr::routed::overlay
