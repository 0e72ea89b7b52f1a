// kube-dummy-if: the dummy interface that holds every service VIP (cluster, external and
// LoadBalancer IPs) as a host address, so the node accepts packets for them and IPVS, which
// hooks LOCAL_IN, sees them.
//
//   DummyVips vips(link_kernel, {.name = "kube-dummy-if", .dry_run = false});
//   auto existing = vips.Existing();       // at start-up: ProxyCore::ClaimVips(*existing)
//   Status s = vips.Sync(core.DummyVips(), /*allow_delete=*/bus_in_sync);
//   vips.Cleanup();                        // --cleanup-config: the interface goes
//
// Sync creates the interface when missing, brings it up, adds missing VIPs (/32, /128) and,
// with allow_delete, removes addresses that are not wanted; it reads the interface's
// addresses each time, so drift is repaired. Failures of single addresses do not stop the
// others; the first is returned.
//
// Threading: not thread-safe; the controller thread owns it.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "services/proxyd/kernel/vip_link_kernel.h"

namespace kr::proxyd {

inline constexpr char kDummyInterfaceName[] = "kube-dummy-if";

struct DummyVipsOptions {
  std::string name = kDummyInterfaceName;
  bool dry_run = false;  // log the changes instead of making them
};

struct DummyVipsReport {
  std::vector<ipvs::IpAddress> added;
  std::vector<ipvs::IpAddress> removed;
  bool created = false;
};

class DummyVips {
 public:
  DummyVips(VipLinkKernel& kernel, DummyVipsOptions options)
      : kernel_(kernel), options_(std::move(options)) {}

  // The addresses on the interface now; empty when it does not exist.
  Expected<std::vector<ipvs::IpAddress>> Existing();
  Expected<DummyVipsReport> Sync(const std::set<ipvs::IpAddress>& wanted, bool allow_delete);
  // Deletes the interface (and with it its addresses); OK when it does not exist.
  Status Cleanup();
  // This node's addresses on every other interface (NodePort with --nodeport-bindon-all-ip).
  Expected<std::vector<ipvs::IpAddress>> OtherLocalAddresses();

 private:
  Expected<int> EnsureLink(DummyVipsReport& report);

  VipLinkKernel& kernel_;
  const DummyVipsOptions options_;
};

}  // namespace kr::proxyd
