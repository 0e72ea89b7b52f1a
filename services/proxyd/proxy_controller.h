// proxyd's Controller: bus events in, ProxyCore, IPVS and kube-dummy-if out.
//
//   ProxyController controller(options, ipvs_kernel, dummy_vips, &metrics);
//   subscriber.On<model::Service>(  // subscriber thread: record, then ask for a sync
//       [&](auto& key, auto& svc) { controller.UpsertService(svc); loop.OnUpdate(); }, ...);
//   subscriber.OnInSync([&] { controller.MarkInSync(); loop.RequestFullSync(); });
//
// Sync (loop thread) applies the recorded changes to ProxyCore, then programs IPVS: a full
// sync (dump, diff everything) for kFull, a Node change or the first sync after in-sync,
// else SyncService for each changed Service only. Order within a sync: new VIPs go on
// kube-dummy-if before the IPVS writes (traffic may arrive as soon as a virtual service
// exists), VIPs no longer wanted leave after them, then the iptables glue and the health
// check ports (ServiceGlue) follow the changed Services. Until the bus is in-sync nothing is
// written to the kernel (architecture.md: a partial view must never delete state); the events wait.
// Each event's arrival time is kept until its service is applied, for the
// network-programming latency histogram.
//
// Threading: the Upsert/Remove/Mark calls may come from any thread (one mutex guards the
// inbox); Sync, Cleanup and HasDraining belong to the loop thread (or main, with no loop).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/ipvs/ipvs_kernel.h"
#include "common/model/endpoints.h"
#include "common/model/node.h"
#include "common/model/service.h"
#include "common/runtime/controller.h"
#include "services/proxyd/core/proxy_core.h"
#include "services/proxyd/kernel/dummy_vips.h"
#include "services/proxyd/proxy_metrics.h"
#include "services/proxyd/service_glue.h"

namespace kr::proxyd {

class ProxyController final : public Controller {
 public:
  // `metrics` may be null (tests). Kernel, VIPs, metrics and the glue's seams must outlive
  // the controller. Without glue seams no iptables rules or health check ports are managed.
  ProxyController(ProxyOptions options, ipvs::IpvsKernel& kernel, DummyVips& vips,
                  ProxyMetrics* metrics, ServiceGlueSeams glue = {});

  void UpsertService(const model::Service& service);
  void RemoveService(const std::string& key);
  void UpsertEndpoints(const model::Endpoints& endpoints);
  void RemoveEndpoints(const std::string& key);
  // Only this node's object (options.node_name) is kept; others are ignored.
  void UpsertNode(const model::Node& node);
  void MarkInSync();

  Status Sync(SyncKind kind, const StopToken& stop) override;
  // Removes the IPVS services proxyd owns (see ProxyCore's ownership rules, with the VIPs on
  // kube-dummy-if claimed), kube-dummy-if itself and our iptables chains (iptables_glue.h).
  Status Cleanup() override;

  // Whether destinations wait for deletion (graceful termination): the loop should sync soon.
  bool HasDraining() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Event {
    std::string service_key;  // empty for a Node change
    std::function<void(ProxyCore&)> apply;
    Clock::time_point received;
  };
  void Record(std::string service_key, std::function<void(ProxyCore&)> apply);
  void Account(const SyncReport& report);
  // Before IPVS writes: VIPs a sync is about to use (ProxyCore::OnVipsWanted); no deletes.
  void AddVips(const std::set<ipvs::IpAddress>& vips);
  // After IPVS writes: the interface holds exactly the wanted VIPs (deletes once in-sync).
  Status SyncVips();

  const ProxyOptions options_;
  ipvs::IpvsKernel& kernel_;
  DummyVips& vips_;
  ProxyMetrics* metrics_;

  std::mutex mu_;
  std::vector<Event> inbox_;  // guarded by mu_
  bool in_sync_ = false;      // guarded by mu_

  // Loop thread only.
  ProxyCore core_;
  ServiceGlue glue_;
  Status vip_add_status_;            // the first failure of AddVips in the current sync
  bool kernel_synced_once_ = false;  // a full sync ran since in-sync
  bool node_changed_ = false;
  std::set<std::string> dirty_;  // services whose kernel state is not yet applied
  std::map<std::string, Clock::time_point> waiting_since_;  // per dirty service: first event
  std::vector<Clock::time_point> node_waiting_;
  bool claimed_vips_ = false;
  size_t reported_errors_ = 0;
};

}  // namespace kr::proxyd
