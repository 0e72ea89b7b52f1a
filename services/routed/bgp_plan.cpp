#include "services/routed/bgp_plan.h"

#include <algorithm>
#include <set>

namespace kr::routed {

std::optional<bgp::IpAddress> OtherFamilyAddress(const model::Node& node,
                                                 const bgp::IpAddress& primary) {
  for (const char* type : {"InternalIP", "ExternalIP"}) {
    for (const model::NodeAddress& a : node.addresses) {
      if (a.type != type) continue;
      auto ip = bgp::IpAddress::Parse(a.address);
      if (ip && ip->family() != primary.family() && !ip->is_unspecified()) return ip;
    }
  }
  return std::nullopt;
}

Expected<BgpPlan> PlanBgp(const RoutedOptions& options, const NodeView& self,
                          const std::map<std::string, NodeView>& nodes,
                          std::optional<bgp::IpAddress> other_family_address) {
  BgpPlan plan;
  if (!self.ip) return Error{EINVAL, "node " + self.name + " has no InternalIP or ExternalIP"};
  plan.local_address = *self.ip;
  if (other_family_address && other_family_address->family() != self.ip->family()) {
    plan.other_family_address = other_family_address;
  }
  if (!options.router_id.empty()) {
    auto id = bgp::IpAddress::Parse(options.router_id);
    if (!id || !id->is_v4()) {
      return Error{EINVAL, "--router-id " + options.router_id + " is not an IPv4 address"};
    }
    plan.router_id = id->v4();
  } else if (self.ip->is_v4()) {
    plan.router_id = self.ip->v4();
  } else {
    return Error{EINVAL, "node " + self.name +
                             " has no IPv4 address for the BGP router id: " + "set --router-id"};
  }
  if (self.asn) {
    plan.local_asn = *self.asn;
  } else if (options.nodes_full_mesh) {
    plan.local_asn = options.cluster_asn;
  } else {
    return Error{EINVAL, "node " + self.name + " has no " + kNodeAsnAnnotation +
                             " annotation, required without --nodes-full-mesh"};
  }
  plan.route_reflector_server = self.rr_server_cluster_id.has_value();
  plan.route_reflector_client = self.rr_client_cluster_id.has_value();
  if (self.rr_server_cluster_id) plan.cluster_id = *self.rr_server_cluster_id;

  std::vector<BgpPeerSpec> wanted;
  if (options.enable_ibgp) {
    for (const auto& [name, node] : nodes) {
      if (name == self.name) continue;
      if (!node.ip) {
        plan.problems.push_back("node " + name + " has no address: not peered");
        continue;
      }
      if (!options.nodes_full_mesh && node.asn != plan.local_asn) continue;
      if (plan.route_reflector_client && !node.rr_server_cluster_id) continue;
      BgpPeerSpec peer;
      peer.address = *node.ip;
      peer.asn = plan.local_asn;
      peer.port = options.bgp_port;
      peer.cluster_node = true;
      peer.route_reflector_client = plan.route_reflector_server && node.rr_client_cluster_id &&
                                    *node.rr_client_cluster_id == *self.rr_server_cluster_id;
      peer.origin = "node " + name;
      wanted.push_back(std::move(peer));
    }
  }
  wanted.insert(wanted.end(), options.global_peers.begin(), options.global_peers.end());
  wanted.insert(wanted.end(), self.external_peers.begin(), self.external_peers.end());

  std::set<bgp::IpAddress> seen;
  for (BgpPeerSpec& peer : wanted) {
    if (peer.address == plan.local_address) {
      plan.problems.push_back(peer.origin + ": peer " + peer.address.ToString() +
                              " is this node's own address: skipped");
      continue;
    }
    if (!seen.insert(peer.address).second) {
      plan.problems.push_back(peer.origin + ": peer " + peer.address.ToString() +
                              " is already a peer: skipped");
      continue;
    }
    plan.peers.push_back(std::move(peer));
  }
  std::sort(plan.peers.begin(), plan.peers.end(),
            [](const BgpPeerSpec& a, const BgpPeerSpec& b) { return a.address < b.address; });
  return plan;
}

}  // namespace kr::routed
