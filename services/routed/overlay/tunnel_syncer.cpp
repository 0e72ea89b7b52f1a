#include "services/routed/overlay/tunnel_syncer.h"

#include "common/log/log.h"
#include "services/routed/overlay/tunnel_name.h"

namespace kr::routed::overlay {

std::string TunnelSyncResult::ToString() const {
  std::string text =
      "tunnels: " + std::to_string(created) + " created, " + std::to_string(deleted) + " deleted";
  for (const Error& error : errors) text += "; " + error.message;
  return text;
}

bool TunnelMatches(const route::Tunnel& existing, const route::TunnelSpec& wanted) {
  const route::TunnelSpec& have = existing.spec;
  return existing.up && have.local == wanted.local && have.remote == wanted.remote &&
         have.underlay_ifindex == wanted.underlay_ifindex && have.ttl == wanted.ttl &&
         (wanted.mtu == 0 || have.mtu == wanted.mtu);
}

bool TunnelSyncer::Observe(TunnelSyncResult& result) {
  Expected<std::vector<route::Tunnel>> listed = kernel_.ListTunnels();
  if (!listed.ok()) {
    result.errors.push_back(Error{listed.error().code, "list tunnels: " + listed.error().message});
    observed_ = false;
    return false;
  }
  tunnels_.clear();
  for (route::Tunnel& tunnel : *listed) {
    if (IsOverlayTunnelName(tunnel.spec.name)) {
      std::string name = tunnel.spec.name;
      tunnels_.emplace(std::move(name), std::move(tunnel));
    }
  }
  observed_ = true;
  return true;
}

void TunnelSyncer::Delete(const std::string& name, TunnelSyncResult& result) {
  Status status = kernel_.DeleteTunnel(name);
  if (status.ok() || status.error().code == ENODEV) {  // ENODEV: gone already
    tunnels_.erase(name);
    if (status.ok()) ++result.deleted;
    return;
  }
  result.errors.push_back(status.error());
  observed_ = false;
}

void TunnelSyncer::Create(const route::TunnelSpec& spec, TunnelSyncResult& result) {
  Status status = kernel_.CreateTunnel(spec);
  if (status.ok()) {
    ++result.created;
    return;
  }
  // EEXIST here means an interface that is not one of our tunnels holds the name.
  result.errors.push_back(status.error());
  observed_ = false;
}

TunnelSyncResult TunnelSyncer::Sync(std::span<const route::IpAddress> peer_ips, bool full) {
  TunnelSyncResult result;
  if ((full || !observed_) && !Observe(result)) return result;

  const std::vector<route::TunnelSpec> wanted = DesiredTunnels(config_, peer_ips);
  std::map<std::string, const route::TunnelSpec*> wanted_by_name;
  for (const route::TunnelSpec& spec : wanted) wanted_by_name.emplace(spec.name, &spec);

  // Creates first: a peer moving to a tunnel is never left without one longer than needed.
  bool created_any = false;
  for (const route::TunnelSpec& spec : wanted) {
    const auto existing = tunnels_.find(spec.name);
    if (existing != tunnels_.end()) {
      if (TunnelMatches(existing->second, spec)) continue;
      KR_LOG(INFO) << "overlay: recreating tunnel " << spec.name << " to "
                   << spec.remote.ToString();
      Delete(spec.name, result);
      if (tunnels_.contains(spec.name)) continue;  // delete failed, error recorded
    }
    const int before = result.created;
    Create(spec, result);
    created_any = created_any || result.created > before;
  }
  std::vector<std::string> stale;
  for (const auto& [name, tunnel] : tunnels_) {
    if (!wanted_by_name.contains(name)) stale.push_back(name);
  }
  for (const std::string& name : stale) Delete(name, result);

  if (created_any) {
    const bool keep_observed = observed_;
    if (Observe(result)) observed_ = keep_observed;
  }
  if (result.created > 0 || result.deleted > 0 || !result.ok()) {
    KR_LOG(INFO) << "overlay: " << result.ToString();
  }
  return result;
}

std::optional<route::Route> TunnelSyncer::Shape(const route::IpPrefix& destination,
                                                const route::IpAddress& peer_ip) const {
  int ifindex = 0;
  if (ClassifyPeer(config_, peer_ip) == PeerPath::kTunnel) {
    const auto tunnel = tunnels_.find(TunnelName(peer_ip));
    if (tunnel != tunnels_.end() && tunnel->second.spec.remote == peer_ip) {
      ifindex = tunnel->second.ifindex;
    }
  }
  return RouteToPeer(config_, destination, peer_ip, ifindex);
}

TunnelSyncResult TunnelSyncer::Cleanup() {
  TunnelSyncResult result;
  if (!Observe(result)) return result;
  std::vector<std::string> ours;
  for (const auto& [name, tunnel] : tunnels_) ours.push_back(name);
  for (const std::string& name : ours) Delete(name, result);
  return result;
}

}  // namespace kr::routed::overlay
