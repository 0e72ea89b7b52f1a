// Who our speaker is and whom it peers with, computed from the bus's Nodes (node_view.h) and
// the flags, as kube-router's routes controller decides it:
//   - local ASN: our node's kube-router.io/node.asn, else --cluster-asn; without
//     --nodes-full-mesh the annotation is required;
//   - cluster nodes (with --enable-ibgp): every other node with an address, iBGP under our
//     ASN; without full mesh only nodes whose node.asn equals ours; a route-reflector client
//     (rr.client) peers only with rr.server nodes; as an rr.server, nodes that are rr.client
//     of the same cluster id are marked route_reflector_client;
//   - external peers: --peer-router-* and our own node's peer.* annotations.
// One session per address: the first spec wins (nodes, then flags, then annotations) and the
// duplicates are reported. Pure.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/base/expected.h"
#include "services/routed/node_view.h"
#include "services/routed/routed_options.h"

namespace kr::routed {

struct BgpPlan {
  uint32_t local_asn = 0;
  uint32_t router_id = 0;  // host order
  bgp::IpAddress local_address;
  bool route_reflector_server = false;
  bool route_reflector_client = false;
  std::string cluster_id;             // our rr.server value, when a route-reflector server
  std::vector<BgpPeerSpec> peers;     // ordered by address
  std::vector<std::string> problems;  // skipped peers, with the reason

  bool operator==(const BgpPlan&) const = default;
};

// EINVAL when our node cannot run BGP: no address, no IPv4 router id (--router-id unset on
// an IPv6-only node), or no node.asn annotation without full mesh.
Expected<BgpPlan> PlanBgp(const RoutedOptions& options, const NodeView& self,
                          const std::map<std::string, NodeView>& nodes);

}  // namespace kr::routed
