// --enable-pod-egress as data: the ipsets and the owned nat chain that masquerade traffic from
// pods to destinations outside the cluster, as kube-router's pod egress does (pod_egress.go):
//
//   nat POSTROUTING: -m comment --comment kr-node:routed-egress:pod-egress -j KR-RTE-POD-EGRESS
//   KR-RTE-POD-EGRESS:
//     -m set --match-set KR-RTE-POD-SUBNETS-V4 src
//     -m set ! --match-set KR-RTE-POD-SUBNETS-V4 dst
//     -m set ! --match-set KR-RTE-NODE-IPS-V4 dst -j MASQUERADE --random-fully
//
// So a pod reaching another pod (any node's pod CIDR) or a node keeps its source address;
// anything else leaves with the node's. The sets hold every node's pod CIDRs and addresses
// (InternalIP and ExternalIP), kept current as nodes come and go.
#pragma once

#include <array>
#include <vector>

#include "common/ipset/ipset_types.h"
#include "common/iptables/owned_rules.h"
#include "common/iptables/ruleset.h"
#include "common/model/node.h"
#include "common/route/ip_prefix.h"

namespace kr::routed::egress {

struct EgressOptions {
  bool enabled = false;      // --enable-pod-egress; off: Sync removes everything of ours
  bool ipv4 = true;          // program iptables / IPv4 sets
  bool ipv6 = false;         // program ip6tables / IPv6 sets
  bool random_fully = true;  // MASQUERADE --random-fully (kube-router adds it when supported)
};

// The cluster's pod CIDRs and node addresses, both families mixed.
struct ClusterAddresses {
  std::vector<route::IpPrefix> pod_cidrs;
  std::vector<route::IpAddress> node_ips;

  // Adds a node's spec.podCIDRs and InternalIP/ExternalIP addresses. A value that does not
  // parse is logged with the node's name and skipped; the node's other values are kept.
  void AddNode(const model::Node& node);
};

struct DesiredEgress {
  std::vector<ipset::SetContent> sets;          // members canonical; empty when disabled
  std::array<iptables::DesiredRules, 2> rules;  // [0] IPv4, [1] IPv6
};

// Pure. A family that is off gets neither sets nor rules.
DesiredEgress BuildDesiredEgress(const EgressOptions& options, const ClusterAddresses& addresses);

// The rule of KR-RTE-POD-EGRESS for one family, as iptables-save prints it (so a sync that
// finds it in place rewrites nothing).
std::string MasqueradeRule(iptables::IpFamily family, bool random_fully);

}  // namespace kr::routed::egress
