// kr-policyd's own flags, with kube-router's names where kube-router has the flag:
//   --iptables-sync-period=5m      period of the full sync that re-reads the kernel (drift repair)
//   --enable-ipv4=true, --enable-ipv6=false
//   --netpol-default-deny          no traffic to or from an address of --pod-cidrs that is not
//                                  a pod policyd knows (new pods get none before their chains)
//   --pod-cidrs                    this node's pod CIDRs (needed by --netpol-default-deny)
//   --netpol-nflog-drops, --netpol-nflog-group=100
//                                  log rejected packets to NFLOG first (kube-router always does,
//                                  to group 100)
//   --legacy-namespace-isolation   honour the namespace annotation
//                                  net.beta.kubernetes.io/network-policy
//                                  {"ingress":{"isolation":"DefaultDeny"}} (pre-1.7 API): every
//                                  pod of such a namespace is isolated for ingress
// The node name comes from the common --hostname-override, else the host name.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/flags/flag_set.h"
#include "services/policyd/core/compiler_options.h"

namespace kr::policyd {

struct PolicydFlags {
  std::chrono::nanoseconds iptables_sync_period = std::chrono::minutes(5);
  bool enable_ipv4 = true;
  bool enable_ipv6 = false;
  bool default_deny = false;
  std::vector<std::string> pod_cidrs;
  bool nflog_drops = false;
  int nflog_group = 100;
  bool legacy_namespace_isolation = false;

  // Declares the flags and their checks on fs; the struct must outlive fs's Parse.
  void Register(flags::FlagSet& fs);
  CompilerOptions ToOptions(std::string node_name) const;
};

}  // namespace kr::policyd
