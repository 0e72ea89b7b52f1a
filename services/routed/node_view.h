// A bus Node as routed reads it: its address, pod CIDRs and kube-router.io/* BGP
// annotations, parsed once per change. Malformed parts are dropped one by one and described
// in `problems` (log lines naming the node), so a bad annotation never hides the good ones.
//
// Annotations read (kube-router's names):
//   kube-router.io/node.asn     the node's own ASN (decimal or 0x hex, as Go's ParseUint)
//   kube-router.io/rr.server    route-reflector server, value = cluster id
//   kube-router.io/rr.client    route-reflector client, value = cluster id
//   kube-router.io/peer.ips     external peers of this node, comma separated, with
//   kube-router.io/peer.asns      one ASN each (required, same count),
//   kube-router.io/peer.passwords one base64 password each (optional, same count),
//   kube-router.io/peer.ports     one port each (optional, same count)
//   kube-router.io/pod-cidr     pod CIDR(s) when spec.podCIDRs is empty (comma separated)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/model/node.h"
#include "services/routed/bgp/ip_address.h"
#include "services/routed/routed_options.h"

namespace kr::routed {

inline constexpr char kNodeAsnAnnotation[] = "kube-router.io/node.asn";
inline constexpr char kRrServerAnnotation[] = "kube-router.io/rr.server";
inline constexpr char kRrClientAnnotation[] = "kube-router.io/rr.client";
inline constexpr char kPeerIpsAnnotation[] = "kube-router.io/peer.ips";
inline constexpr char kPeerAsnsAnnotation[] = "kube-router.io/peer.asns";
inline constexpr char kPeerPasswordsAnnotation[] = "kube-router.io/peer.passwords";
inline constexpr char kPeerPortsAnnotation[] = "kube-router.io/peer.ports";
inline constexpr char kPodCidrAnnotation[] = "kube-router.io/pod-cidr";

struct NodeView {
  std::string name;
  std::optional<bgp::IpAddress> ip;  // first InternalIP (IPv4 preferred), else ExternalIP
  std::vector<bgp::IpPrefix> pod_cidrs;
  std::optional<uint32_t> asn;
  std::optional<std::string> rr_server_cluster_id;
  std::optional<std::string> rr_client_cluster_id;
  std::vector<BgpPeerSpec> external_peers;  // from this node's peer.* annotations
  std::vector<std::string> problems;        // what was malformed and skipped

  bool operator==(const NodeView&) const = default;
};

// `multihop_ttl` is --peer-router-multihop-ttl, applied to annotation peers as to flag peers.
NodeView ParseNode(const model::Node& node, std::optional<uint8_t> multihop_ttl);

// Splits "a, b,c" into trimmed items; an empty text gives no items.
std::vector<std::string> SplitList(const std::string& text);
// Go's strconv.ParseUint(text, 0, 32): decimal, 0x hex, 0o/0 octal, 0b binary.
std::optional<uint32_t> ParseAsn(const std::string& text);

}  // namespace kr::routed
