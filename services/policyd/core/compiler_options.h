// What the operator chose for policyd's rule compiler (kube-router's --netpol-* flags and
// friends). Plain data, copied into the compiler.
#pragma once

#include <string>
#include <vector>

namespace kr::policyd {

struct CompilerOptions {
  std::string node_name;  // pods with this spec.nodeName get firewall chains

  bool ipv4 = true;
  bool ipv6 = true;

  // --netpol-default-deny: traffic to or from an address of this node's pod CIDRs that is not
  // a pod the compiler knows (not yet synced) is rejected, so a new pod is never reachable
  // before its chains exist (kube-router issues 873, 1652). Needs pod_cidrs.
  bool default_deny = false;
  std::vector<std::string> pod_cidrs;  // this node's pod CIDRs, IPv4 and/or IPv6

  // Log dropped packets to NFLOG before rejecting them, as kube-router does.
  bool nflog_drops = false;
  int nflog_group = 100;

  // Honour the legacy namespace annotation net.beta.kubernetes.io/network-policy
  // {"ingress":{"isolation":"DefaultDeny"}}: every pod of such a namespace is isolated for
  // ingress even when no policy selects it.
  bool legacy_namespace_isolation = false;

  // Packet mark bit a policy chain sets when a rule allows the packet; the pod chain reads and
  // clears it. kube-router's value; must not collide with other users of the mark (kube-proxy
  // uses 0x4000 and 0x8000).
  std::string allow_mark = "0x10000";
};

}  // namespace kr::policyd
