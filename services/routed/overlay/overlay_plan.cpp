#include "services/routed/overlay/overlay_plan.h"

#include <algorithm>
#include <map>

#include "common/log/log.h"
#include "services/routed/overlay/tunnel_name.h"

namespace kr::routed::overlay {

std::string_view PeerPathName(PeerPath path) {
  switch (path) {
    case PeerPath::kDirect:
      return "direct";
    case PeerPath::kTunnel:
      return "tunnel";
    case PeerPath::kNetwork:
      return "network";
    case PeerPath::kSelf:
      return "self";
    case PeerPath::kUnusable:
      return "unusable";
  }
  return "?";
}

PeerPath ClassifyPeer(const OverlayConfig& config, const route::IpAddress& peer_ip) {
  const std::optional<LocalAddress> local = config.LocalFor(peer_ip);
  if (!local) return PeerPath::kUnusable;
  if (local->ip == peer_ip) return PeerPath::kSelf;
  const bool same_subnet = local->subnet.Contains(peer_ip);
  if (config.enabled && (config.type == OverlayType::kFull || !same_subnet)) {
    return PeerPath::kTunnel;
  }
  return same_subnet ? PeerPath::kDirect : PeerPath::kNetwork;
}

std::vector<route::TunnelSpec> DesiredTunnels(const OverlayConfig& config,
                                              std::span<const route::IpAddress> peer_ips) {
  std::vector<route::IpAddress> remotes;
  for (const route::IpAddress& ip : peer_ips) {
    if (ClassifyPeer(config, ip) == PeerPath::kTunnel) remotes.push_back(ip);
  }
  std::sort(remotes.begin(), remotes.end());
  remotes.erase(std::unique(remotes.begin(), remotes.end()), remotes.end());

  std::map<std::string, route::TunnelSpec> by_name;
  for (const route::IpAddress& remote : remotes) {
    route::TunnelSpec spec;
    spec.name = TunnelName(remote);
    spec.local = config.LocalFor(remote)->ip;
    spec.remote = remote;
    spec.underlay_ifindex = config.underlay_ifindex;
    spec.mtu = config.tunnel_mtu;
    const auto [it, inserted] = by_name.emplace(spec.name, spec);
    if (!inserted) {
      KR_LOG(ERROR) << "overlay: tunnel name " << spec.name << " of peer " << remote.ToString()
                    << " collides with peer " << it->second.remote.ToString() << "; no tunnel to "
                    << remote.ToString();
    }
  }
  std::vector<route::TunnelSpec> tunnels;
  tunnels.reserve(by_name.size());
  for (auto& [name, spec] : by_name) tunnels.push_back(std::move(spec));
  return tunnels;
}

std::optional<route::Route> RouteToPeer(const OverlayConfig& config,
                                        const route::IpPrefix& destination,
                                        const route::IpAddress& peer_ip, int tunnel_ifindex) {
  if (destination.family() != peer_ip.family()) return std::nullopt;
  route::Route route;
  route.destination = destination;
  switch (ClassifyPeer(config, peer_ip)) {
    case PeerPath::kTunnel:
      if (tunnel_ifindex == 0) return std::nullopt;
      route.next_hops.push_back(route::NextHop{route::IpAddress(), tunnel_ifindex});
      route.preferred_source = config.LocalFor(peer_ip)->ip;
      return route;
    case PeerPath::kDirect:
      route.next_hops.push_back(route::NextHop{peer_ip});
      return route;
    case PeerPath::kNetwork:
    case PeerPath::kSelf:
    case PeerPath::kUnusable:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace kr::routed::overlay
