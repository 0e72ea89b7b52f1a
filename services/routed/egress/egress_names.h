// Names of everything pod egress puts into the kernel. Ownership is by these prefixes: the
// owned-chain syncer and the ipset sync plan touch only chains, jump rules and sets that carry
// them, so other users of iptables and ipset (policyd, proxyd, kube-proxy, the operator) are
// never disturbed.
#pragma once

#include <string_view>

#include "common/iptables/owned_rules.h"

namespace kr::routed::egress {

inline constexpr std::string_view kChainPrefix = "KR-RTE-";
inline constexpr std::string_view kSetPrefix = "KR-RTE-";
inline constexpr std::string_view kCommentPrefix = "kr-node:routed-egress:";

// The one owned chain, jumped to from nat POSTROUTING.
inline constexpr char kEgressChain[] = "KR-RTE-POD-EGRESS";
inline constexpr char kJumpId[] = "pod-egress";

// kube-router's kube-router-pod-subnets / kube-router-node-ips, one pair per family.
inline constexpr char kPodSubnetsSetV4[] = "KR-RTE-POD-SUBNETS-V4";  // hash:net
inline constexpr char kPodSubnetsSetV6[] = "KR-RTE-POD-SUBNETS-V6";
inline constexpr char kNodeIpsSetV4[] = "KR-RTE-NODE-IPS-V4";  // hash:ip
inline constexpr char kNodeIpsSetV6[] = "KR-RTE-NODE-IPS-V6";

inline iptables::Owner EgressOwner() {
  return iptables::Owner{std::string(kChainPrefix), std::string(kCommentPrefix)};
}

}  // namespace kr::routed::egress
