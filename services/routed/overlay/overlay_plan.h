// The overlay's pure decisions, as kube-router's routes controller makes them (injectRoute):
// how this node reaches a peer node, which tunnels that needs, and the kernel route to a pod
// CIDR learned from that peer.
//
//   PeerPath path = ClassifyPeer(config, peer_ip);
//   std::vector<route::TunnelSpec> tunnels = DesiredTunnels(config, peer_ips);
//   std::optional<route::Route> r = RouteToPeer(config, pod_cidr, peer_ip, tunnel_ifindex);
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "common/route/route_types.h"
#include "services/routed/overlay/overlay_config.h"

namespace kr::routed::overlay {

enum class PeerPath {
  kDirect,    // on our subnet, no tunnel: a route via the peer's node IP (plain L2 next hop)
  kTunnel,    // through an IP-in-IP tunnel to the peer's node IP
  kNetwork,   // another subnet and no tunnel: nothing installed, the routers in between (which
              // learn pod CIDRs over BGP) carry it; kube-router does the same
  kSelf,      // the address is ours
  kUnusable,  // we have no address of the peer's family
};

std::string_view PeerPathName(PeerPath path);  // "direct", "tunnel", ...

// With the overlay on: `full` tunnels to every peer, `subnet` only to peers outside the subnet
// of our local address of that family.
PeerPath ClassifyPeer(const OverlayConfig& config, const route::IpAddress& peer_ip);

// One tunnel per distinct peer classified kTunnel (local = our address of its family, bound to
// config.underlay_ifindex), sorted by name. Should two peers' names collide, the lower address
// keeps the name and the other is logged and left without a tunnel.
std::vector<route::TunnelSpec> DesiredTunnels(const OverlayConfig& config,
                                              std::span<const route::IpAddress> peer_ips);

// The kernel route to `destination` (a peer's pod CIDR) learned with next hop `peer_ip`:
//   kTunnel: "destination dev <tunnel_ifindex> src <our address>" (kube-router's form; the
//            tunnel has one remote, so no gateway is needed); nullopt while tunnel_ifindex is 0
//   kDirect: "destination via peer_ip"
//   otherwise, or when destination and peer_ip differ in family (an IPv4 pod CIDR cannot ride
//   an ip6ip6 tunnel): nullopt, install nothing.
std::optional<route::Route> RouteToPeer(const OverlayConfig& config,
                                        const route::IpPrefix& destination,
                                        const route::IpAddress& peer_ip, int tunnel_ifindex);

}  // namespace kr::routed::overlay
