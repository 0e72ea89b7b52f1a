// The proxy's state machine without bus, threads or netlink: it keeps the latest Service,
// Endpoints and Node objects, computes the desired IPVS table, and brings the kernel (an
// IpvsKernel) to it.
//
//   ProxyCore core(options);
//   core.SetNode(node);  core.UpsertService(svc);  core.UpsertEndpoints(eps);
//   SyncReport full = core.FullSync(kernel, now);         // dump, diff all, apply
//   core.UpsertEndpoints(changed);
//   SyncReport one = core.SyncService("ns/name", kernel, now);  // that service only
//   core.GracefulTick(kernel, now);                       // every few seconds
//
// Work per SyncService is proportional to the one service: it diffs against ObservedIpvs,
// the mirror of the kernel that FullSync fills from a dump and every applied op keeps
// current, so an endpoint change costs exactly the netlink writes it needs (1 or 2) and no
// read. Drift made behind our back is repaired by the periodic FullSync.
//
// Ownership (what may be deleted): an IPVS service is ours when a current Service wants it,
// when we added it in this process, when its address is a VIP we manage (any cluster,
// external or LoadBalancer IP we wanted in this process, or one passed to ClaimVips, e.g. the
// addresses found on kube-dummy-if at start-up), when its address is in
// --service-cluster-ip-range, when it sits on a NodePort address with a port in the NodePort
// range, or when it is a fwmark service with a DSR mark (dsr_fwmark.h). Addresses in
// --excluded-cidrs are never ours unless wanted. Everything else is left alone.
//
// A Service whose input is invalid (bad annotation, port out of range, invalid IP, a virtual
// service another Service already has) gets no virtual service, and its error is kept in
// service_errors() until it is fixed or removed; the others are unaffected.
//
// Threading: not thread-safe; one controller thread owns it.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/ipvs/ipvs_kernel.h"
#include "services/proxyd/core/desired_state.h"
#include "services/proxyd/core/dsr_fwmark.h"
#include "services/proxyd/core/graceful_tracker.h"
#include "services/proxyd/core/ipvs_applier.h"
#include "services/proxyd/core/ipvs_diff.h"
#include "services/proxyd/core/ipvs_hash.h"
#include "services/proxyd/core/observed_ipvs.h"

namespace kr::proxyd {

struct SyncReport {
  std::vector<IpvsOp> ops;                   // sent, in order (failed ones included)
  std::vector<OpFailure> failures;           // ops the kernel refused
  std::vector<ServiceError> service_errors;  // services skipped in this sync
  Status read_status;                        // a failed dump: nothing was changed
};

class ProxyCore {
 public:
  using OwnerIndex = std::unordered_map<ipvs::ServiceKey, std::string, ServiceKeyHash>;

  explicit ProxyCore(ProxyOptions options);

  // Inputs. They only store; a sync applies them.
  void UpsertService(model::Service service);
  void RemoveService(const std::string& key);
  void UpsertEndpoints(model::Endpoints endpoints);
  void RemoveEndpoints(const std::string& key);
  // NodePort addresses change for every service: takes effect at the next FullSync.
  void SetNode(model::Node node);
  void SetLocalIps(std::vector<ipvs::IpAddress> local_ips);
  void ClaimVips(const std::vector<ipvs::IpAddress>& vips);

  // Called during a sync before its IPVS writes with the VIPs the new state puts on
  // kube-dummy-if (all of them in a full sync; the service's in SyncService, only when they
  // changed), so that a VIP is in place before its virtual service exists. Removing VIPs is
  // the caller's, after the sync.
  using VipsWanted = std::function<void(const std::set<ipvs::IpAddress>&)>;
  void OnVipsWanted(VipsWanted callback) { vips_wanted_ = std::move(callback); }

  SyncReport FullSync(ipvs::IpvsKernel& kernel, TimePoint now);
  // Recomputes the service `key` ("namespace/name", also for an Endpoints change or a
  // removal) and programs only its virtual services.
  SyncReport SyncService(const std::string& key, ipvs::IpvsKernel& kernel, TimePoint now);
  // Re-reads the services with draining destinations and deletes those that are due.
  SyncReport GracefulTick(ipvs::IpvsKernel& kernel, TimePoint now);

  // Outputs for the interface and iptables glue, and for metrics.
  std::set<ipvs::IpAddress> DummyVips() const;
  const std::unordered_map<std::string, ServiceDesired>& desired() const { return desired_; }
  const std::map<std::string, Error>& service_errors() const { return errors_; }
  const std::vector<ipvs::IpAddress>& nodeport_ips() const { return nodeport_ips_; }
  const std::optional<model::Node>& node() const { return node_; }
  size_t VirtualServiceCount() const { return owner_.size(); }
  size_t DestinationCount() const;
  bool IsOwned(const ipvs::ServiceKey& key) const;
  const GracefulTracker& graceful() const { return tracker_; }

 private:
  Expected<ServiceDesired> Compute(const std::string& key, const OwnerIndex& owners);
  // Gives back DSR marks that Compute acquired for a result it then refused.
  void ReleaseNewMarks(const std::string& key, const ServiceDesired& computed,
                       const OwnerIndex& owners);
  // Makes `next` the desired state of `key`: owner index, managed VIPs, and (with
  // `release_marks`) gives back the DSR marks it no longer uses. A full sync releases marks
  // once at the end instead, as another Service may have taken a tuple over meanwhile.
  void Install(const std::string& key, ServiceDesired next, bool release_marks);
  void ApplyAndRecord(SyncReport& report, ipvs::IpvsKernel& kernel);
  void RecomputeNodePortIps();
  GracefulPolicy graceful_policy() const;

  ProxyOptions options_;
  std::unordered_map<std::string, model::Service> services_;
  std::unordered_map<std::string, model::Endpoints> endpoints_;
  std::optional<model::Node> node_;
  std::vector<ipvs::IpAddress> local_ips_;
  std::vector<ipvs::IpAddress> nodeport_ips_;

  std::unordered_map<std::string, ServiceDesired> desired_;  // services with virtual services
  OwnerIndex owner_;                                         // virtual service -> its Service
  std::map<std::string, Error> errors_;                      // skipped Services
  std::unordered_set<ipvs::IpAddress, IpAddressHash> managed_vips_;  // see "Ownership" above
  std::unordered_set<ipvs::ServiceKey, ServiceKeyHash>
      programmed_;  // added by this process, not deleted
  DsrFwmarkAllocator fwmarks_;
  GracefulTracker tracker_;
  ObservedIpvs observed_;
  VipsWanted vips_wanted_;
};

}  // namespace kr::proxyd
