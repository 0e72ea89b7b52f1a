// The pure NetworkPolicy rule compiler: (pods, namespaces, policies, this node, options) ->
// the iptables chains and ipsets that enforce networking.k8s.io/v1 NetworkPolicy for the pods
// on this node. No I/O; the same input always gives the same text, so a diff against
// iptables-save is exact.
//
// Packet path (filter table, per family):
//   FORWARD/INPUT -> KR-POL-FORWARD/-INPUT (jump first, comment-owned)
//     RELATED,ESTABLISHED -> RETURN (replies need no policy)
//     [--netpol-default-deny] pod-CIDR address not in KR-POL-LOCAL<f> -> REJECT
//     -s <pod ip> -> KR-POL-PE-<pod> (egress-isolated local pods; FORWARD, INPUT)
//     -d <pod ip> -> KR-POL-PI-<pod> (ingress-isolated local pods; FORWARD)
//   OUTPUT is not hooked: traffic from the node itself to its pods is always allowed (kubelet
//   probes), as kube-router allows it ("source is the pod's local node").
//   KR-POL-PI/PE-<pod>: jump to every policy chain selecting the pod in that direction; a
//     policy rule that allows the packet sets the allow mark; unmarked -> [NFLOG] REJECT;
//     marked -> mark cleared, RETURN (the rest of the host's rules still apply: policyd never
//     ACCEPTs, it only rejects).
//   KR-POL-NPI/NPE-<policy>: one rule per (peer kind x port) of each policy rule:
//     selector peers -> one hash:ip set per rule (OR of peers; pod AND namespace selector
//     inside a peer); ipBlock -> the CIDR inline and its except list in a hash:net set matched
//     negated; named ports -> one hash:ip set per resolved number with the pods on which the
//     name resolves to it (the target pods for ingress, the destination pods for egress).
// Anything that cannot be compiled (bad CIDR, unknown protocol, named port that resolves on no
// pod) allows nothing for that part, as the API defines, and is logged; it never fails the
// whole compile. An ipBlock whose except list cannot be enforced (a malformed or /0 except) is
// dropped whole rather than widened. A named port toward an ipBlock resolves on the pods inside
// the block; an address outside the cluster has no named ports and matches none.
//
// ClusterState::pod_index, when set, lets selector peers and local-pod walks visit only the
// pods they can match (same output as scanning every pod).
#pragma once

#include <vector>

#include "services/policyd/core/cluster_state.h"
#include "services/policyd/core/compiler_options.h"
#include "services/policyd/core/firewall_fragment.h"

namespace kr::policyd {

enum class Direction { kIngress, kEgress };

// policyTypes, or the API's default when the list is empty (Ingress; Egress if it has rules).
bool PolicyHasDirection(const model::NetworkPolicy& policy, Direction direction);
bool PolicySelectsPod(const model::NetworkPolicy& policy, const model::Pod& pod);
// Whether a selector peer (not an ipBlock) of a policy in `policy_ns` selects `pod`.
bool PeerSelectsPod(const model::NetworkPolicyPeer& peer, const std::string& policy_ns,
                    const model::Pod& pod, const ClusterState& state);
// Whether a policy's sets depend on every pod's ports and addresses, not only on the pods its
// selectors pick: egress named ports towards all destinations or towards an ipBlock.
bool DependsOnAllPods(const model::NetworkPolicy& policy);
// A pod that can be a peer: has an IP, is not on the host network, has not finished.
bool IsPeerCandidate(const model::Pod& pod);
// A pod that gets firewall chains here: a peer candidate scheduled on options.node_name.
bool IsLocalFirewalledPod(const model::Pod& pod, const CompilerOptions& options);
// Whether `pod` is isolated (default deny) in `direction`.
bool PodIsolated(const model::Pod& pod, Direction direction, const ClusterState& state,
                 const CompilerOptions& options);
// The legacy net.beta.kubernetes.io/network-policy DefaultDeny annotation is set.
bool NamespaceHasLegacyIngressIsolation(const model::Namespace& ns);

// A policy's chains (both directions) and the sets they reference.
Fragment CompilePolicy(const model::NetworkPolicy& policy, const ClusterState& state,
                       const CompilerOptions& options);
// A local pod's firewall chains (empty for a pod that is not firewalled here).
Fragment CompilePodChains(const model::Pod& pod, const ClusterState& state,
                          const CompilerOptions& options);
// KR-POL-FORWARD/-INPUT and, with default deny, the local pods sets.
Fragment CompileTopLevel(const ClusterState& state, const CompilerOptions& options);

// The owner of every chain, jump rule and set policyd makes.
iptables::Owner PolicydOwner();

// The union of fragments plus the jump rules from the built-in chains.
CompiledFirewall Assemble(const std::vector<const Fragment*>& fragments,
                          const CompilerOptions& options);
// Everything from scratch (what the incremental compiler must always agree with).
CompiledFirewall CompileAll(const ClusterState& state, const CompilerOptions& options);

}  // namespace kr::policyd
