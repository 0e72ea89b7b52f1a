// DSR's routing outside IPVS and iptables, as one seam for ServiceGlue: the node's policy
// routing for the marks (kernel/dsr_policy_routing.h) and the tunnels in the local endpoints'
// pods (kernel/pod_tunnels.h).
//
//   DsrPolicyRouting routing(rules, routes, {.owns_mark = IsDsrFwmark});
//   PodTunnels tunnels({.netns_dir = "/run/netns"});
//   KernelDsrNetworking dsr(routing, tunnels);
//   ServiceGlue glue(options, {..., .dsr = &dsr});
//
// Threading: not thread-safe; the controller's loop thread owns it.
#pragma once

#include <cstdint>
#include <set>
#include <utility>

#include "common/base/expected.h"
#include "services/proxyd/kernel/dsr_policy_routing.h"
#include "services/proxyd/kernel/pod_tunnels.h"

namespace kr::proxyd {

struct DsrWanted {
  std::set<DsrPolicyRouting::Mark> marks;  // (family, fwmark) of every DSR target
  PodTunnels::Wanted pod_tunnels;          // local endpoint -> its external IPs

  bool operator==(const DsrWanted&) const = default;
};

class DsrNetworking {
 public:
  virtual ~DsrNetworking() = default;
  // `full`: verify against the kernel, not only what was last written.
  virtual Status Sync(const DsrWanted& wanted, bool full) = 0;
  // Removes all of it (--cleanup-config).
  virtual Status Cleanup() = 0;
};

class KernelDsrNetworking final : public DsrNetworking {
 public:
  KernelDsrNetworking(DsrPolicyRouting& routing, PodTunnels& tunnels)
      : routing_(routing), tunnels_(tunnels) {}

  // The pods first: by the time marked packets are delivered to IPVS, the endpoints can
  // answer them. Both are attempted; the first failure is returned.
  Status Sync(const DsrWanted& wanted, bool full) override;
  Status Cleanup() override;

 private:
  DsrPolicyRouting& routing_;
  PodTunnels& tunnels_;
};

}  // namespace kr::proxyd
