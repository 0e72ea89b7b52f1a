// The iptables rules proxyd needs beside IPVS, as data for common/iptables' OwnedChainSyncer
// (one owner, restored atomically with iptables-restore --noflush, never touching anyone
// else's rules). Pure: no kernel.
//
// nat table (per family):
//   POSTROUTING  -m ipvs --vdir ORIGINAL -m comment --comment kr-node:proxyd:postrouting
//                -j KR-PROXY-POSTROUTING                      (the only rule in a foreign chain)
//   KR-PROXY-POSTROUTING
//     -j KR-PROXY-HAIRPIN                                     (when any hairpin rule exists)
//     -m ipvs --vdir ORIGINAL --vmethod MASQ -j SNAT --to-source <node IP> --random-fully
//                                                             (--masquerade-all)
//     ! -s <cluster CIDR> ! -d <pod CIDR> -m ipvs --vdir ORIGINAL --vmethod MASQ
//       -j SNAT --to-source <node IP> --random-fully          (per --cluster-cidr)
//   KR-PROXY-HAIRPIN
//     -s <ep> -d <ep> -p <proto> -m ipvs --vaddr <vip> --vport <port> -j SNAT --to-source <vip>
// mangle table (DSR services):
//   PREROUTING, OUTPUT  -m comment --comment kr-node:proxyd:fwmark -j KR-PROXY-FWMARK
//   KR-PROXY-FWMARK  -d <vip> -p <proto> -m <proto> --dport <port> -j MARK --set-xmark <mark>
//
// Rule texts are written as iptables-save prints them (checked in the VM: `--vaddr` without
// a prefix length, `--ipvs` left out), so a steady state rewrites nothing.
//
// Semantics follow kube-router (pkg/controllers/proxy): SNAT to the node's primary address
// (not MASQUERADE, which would pick the pod-facing interface's address), --random-fully,
// hairpin SNAT to the VIP itself, only for endpoints on this node. The one difference: the
// rules sit in chains of our own behind one jump per table, so a sync rewrites only our
// chains and --cleanup-config removes them whole. kube-router masquerades `! -s podCIDR ! -d
// podCIDR` with its node's pod CIDR; here the source side is --cluster-cidr (traffic from
// outside the cluster) and the destination side this node's pod CIDRs (endpoints elsewhere
// would answer the client directly, bypassing this node's IPVS); either falls back to the
// other when unset.
#pragma once

#include <optional>
#include <vector>

#include "common/iptables/owned_rules.h"
#include "common/iptables/ruleset.h"
#include "services/proxyd/core/cidr.h"
#include "services/proxyd/core/desired_state.h"

namespace kr::proxyd {

inline constexpr char kIptablesChainPrefix[] = "KR-PROXY-";
inline constexpr char kIptablesCommentPrefix[] = "kr-node:proxyd:";
inline constexpr char kPostroutingChain[] = "KR-PROXY-POSTROUTING";
inline constexpr char kHairpinChain[] = "KR-PROXY-HAIRPIN";
inline constexpr char kFwmarkChain[] = "KR-PROXY-FWMARK";

iptables::Owner ProxydIptablesOwner();

// Everything the rules depend on besides the per-service parts.
struct GlueSettings {
  bool masquerade_all = false;
  std::optional<ipvs::IpAddress> node_ip;  // this family's primary node address, if any
  std::vector<Cidr> cluster_cidrs;         // --cluster-cidr, this family only
  std::vector<Cidr> pod_cidrs;             // this node's Node.spec.podCIDRs, this family only

  bool operator==(const GlueSettings&) const = default;
};

// The per-service parts, collected over all services (any order; sorted inside).
struct GlueServices {
  std::vector<HairpinRule> hairpins;
  std::vector<DsrTarget> dsr_targets;
};

// The rules of one family. Services of the other family are ignored. Without a node address,
// the SNAT rules are left out (hairpin and fwmark rules do not need it).
iptables::DesiredRules ProxydIptablesRules(iptables::IpFamily family, const GlueSettings& settings,
                                           const GlueServices& services);

}  // namespace kr::proxyd
