#include "services/routed/overlay_nodes.h"

#include "common/log/log.h"
#include "services/routed/overlay/overlay_plan.h"

namespace kr::routed {
namespace {

Status ToStatus(const char* what, const overlay::TunnelSyncResult& result) {
  if (result.ok()) return Status::Ok();
  return Error{result.errors.front().code, std::string(what) + ": " + result.ToString()};
}

}  // namespace

std::vector<route::IpAddress> NodeIps(const model::Node& node) {
  for (const char* type : {"InternalIP", "ExternalIP"}) {
    std::vector<route::IpAddress> ips;
    for (const model::NodeAddress& a : node.addresses) {
      if (a.type != type) continue;
      if (auto ip = route::IpAddress::Parse(a.address)) ips.push_back(*ip);
    }
    if (!ips.empty()) return ips;
  }
  return {};
}

OverlayNodes::OverlayNodes(bool enabled, overlay::OverlayType type, route::RouteKernel& kernel,
                           InterfaceFinder finder)
    : enabled_(enabled), type_(type), kernel_(kernel), finder_(std::move(finder)) {}

overlay::OverlayConfig OverlayNodes::ConfigFor(const model::Node* self) const {
  overlay::OverlayConfig config;
  config.enabled = enabled_;
  config.type = type_;
  if (!self) return config;  // off too: Shape needs our subnet
  for (const route::IpAddress& ip : NodeIps(*self)) {
    if (config.LocalFor(ip)) continue;  // one per family
    auto found = finder_(ip);
    if (!found) {
      KR_LOG(WARNING) << "overlay: " << found.error().message;
      continue;
    }
    config.local.push_back({ip, found->subnet});
    if (config.underlay_ifindex == 0) config.underlay_ifindex = found->ifindex;
  }
  return config;
}

Expected<bool> OverlayNodes::Sync(const NodesSnapshot& snapshot) {
  auto self = snapshot.nodes.find(snapshot.self);
  overlay::OverlayConfig config = ConfigFor(self == snapshot.nodes.end() ? nullptr : &self->second);
  bool full = snapshot.full;
  if (!syncer_ || !(syncer_->config().local == config.local) ||
      syncer_->config().underlay_ifindex != config.underlay_ifindex) {
    if (enabled_) {
      std::string locals;
      for (const auto& l : config.local)
        locals += " " + l.ip.ToString() + " in " + l.subnet.ToString();
      KR_LOG(INFO) << "overlay: local addresses:" << (locals.empty() ? " none" : locals);
    }
    syncer_.emplace(std::move(config), kernel_);
    full = true;  // a new syncer knows nothing of the kernel yet
  }
  std::vector<route::IpAddress> peers;
  for (const auto& [name, node] : snapshot.nodes) {
    if (name == snapshot.self) continue;
    for (const route::IpAddress& ip : NodeIps(node)) peers.push_back(ip);
  }
  const overlay::TunnelSyncResult result = syncer_->Sync(peers, full);
  if (Status s = ToStatus("overlay", result); !s) return s.error();
  return result.created + result.deleted > 0;
}

std::optional<route::Route> OverlayNodes::Shape(const LearnedRoute& learned) const {
  if (!syncer_ || syncer_->config().local.empty()) return PlainRoute(learned);
  auto destination = route::IpPrefix::Parse(learned.prefix.ToString());
  auto next_hop = route::IpAddress::Parse(learned.next_hop.ToString());
  if (!destination || !next_hop) return std::nullopt;
  if (!enabled_) {
    if (overlay::ClassifyPeer(syncer_->config(), *next_hop) == overlay::PeerPath::kNetwork) {
      return std::nullopt;
    }
    return PlainRoute(learned);
  }
  return syncer_->Shape(*destination, *next_hop);
}

Status OverlayNodes::Cleanup() {
  overlay::TunnelSyncer cleaner(overlay::OverlayConfig{}, kernel_);
  return ToStatus("overlay cleanup", cleaner.Cleanup());
}

}  // namespace kr::routed
