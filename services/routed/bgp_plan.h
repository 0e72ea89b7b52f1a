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
// duplicates are reported.
//
// Export: the speaker sends external peers (not cluster_node) only the routes it originates,
// our pod CIDR(s) and service IPs, as kube-router's export policy does; other nodes' pod
// CIDRs and routes learned from other routers never leave through us (ToPeerConfig in
// speaker_bgp_control.h sets PeerConfig::export_local_only). The iBGP mesh and route
// reflection are unchanged.
//
// Dual-stack: with an address of the other family (a node with IPv4 and IPv6 addresses),
// every session also carries that family (MP-BGP), and routes of that family we send name
// that address as their next hop, as kube-router does with the node's best IPv6 address: an
// IPv6 pod CIDR goes to the peers over the IPv4 session with the node's IPv6 address as next
// hop, and IPv6 routes learned that way are installed like the IPv4 ones. Pure.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/base/expected.h"
#include "common/model/node.h"
#include "services/routed/node_view.h"
#include "services/routed/routed_options.h"

namespace kr::routed {

struct BgpPlan {
  uint32_t local_asn = 0;
  uint32_t router_id = 0;  // host order
  bgp::IpAddress local_address;
  // Our address of the other family than local_address (dual-stack nodes): the next hop of
  // the routes of that family we send.
  std::optional<bgp::IpAddress> other_family_address;
  bool route_reflector_server = false;
  bool route_reflector_client = false;
  std::string cluster_id;             // our rr.server value, when a route-reflector server
  std::vector<BgpPeerSpec> peers;     // ordered by address
  std::vector<std::string> problems;  // skipped peers, with the reason

  bool operator==(const BgpPlan&) const = default;
};

// EINVAL when our node cannot run BGP: no address, no IPv4 router id (--router-id unset on
// an IPv6-only node), or no node.asn annotation without full mesh.
// `other_family_address`: see BgpPlan (OtherFamilyAddress gives it from our Node).
Expected<BgpPlan> PlanBgp(const RoutedOptions& options, const NodeView& self,
                          const std::map<std::string, NodeView>& nodes,
                          std::optional<bgp::IpAddress> other_family_address = std::nullopt);

// The node's first InternalIP (else ExternalIP) of the other family than `primary`, as
// kube-router picks a node's best IPv6 (IPv4) address; nullopt for a single-stack node.
std::optional<bgp::IpAddress> OtherFamilyAddress(const model::Node& node,
                                                 const bgp::IpAddress& primary);

}  // namespace kr::routed
