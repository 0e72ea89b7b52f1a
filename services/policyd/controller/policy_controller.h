// The NetworkPolicy controller: bus events in, iptables chains and ipsets out.
//
// Bus handlers (Upsert*/Delete*, MarkInSync) only record the change under a mutex; the caller
// then asks the ControllerLoop for a sync (loop.OnUpdate()). Sync, on the loop thread, feeds
// the recorded changes to the IncrementalCompiler and writes with the FirewallSyncer:
// kIncremental writes only the compiler's delta (changed chains edited in place, single set
// members added and removed) while the last write succeeded, else the whole state; kFull
// compiles the whole state and re-reads the kernel first, and so repairs drift.
//
// Before the bus is in-sync the view may lack objects that merely are not listed yet, so
// nothing that exists may be deleted: if the kernel already holds policyd's chains or sets
// (a restart), they are left exactly as they are until in-sync; on a node without any (a fresh
// start), the known state is written, which only adds, and with --netpol-default-deny rejects
// traffic of every pod not yet known.
//
// Threading: the handlers may be called from any thread (in practice the bus subscriber's);
// Sync and Cleanup as the Controller interface says (loop thread / main without a loop).
// The runner, ipset client, metrics (may be null) and clock must outlive the controller.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "common/runtime/clock.h"
#include "common/runtime/controller.h"
#include "services/policyd/controller/policy_metrics.h"
#include "services/policyd/core/firewall_syncer.h"
#include "services/policyd/core/incremental_compiler.h"

namespace kr::policyd {

class PolicyController final : public Controller {
 public:
  PolicyController(CompilerOptions options, iptables::IptablesRunner& runner,
                   ipset::IpsetClient& ipset, PolicyMetrics* metrics, Clock& clock = SteadyClock());

  void UpsertPod(const model::Pod& pod);
  void DeletePod(const std::string& key);
  void UpsertNamespace(const model::Namespace& ns);
  void DeleteNamespace(const std::string& name);
  void UpsertPolicy(const model::NetworkPolicy& policy);
  void DeletePolicy(const std::string& key);
  // The bus view is complete: deleting stale kernel state is safe from now on.
  void MarkInSync();

  Status Sync(SyncKind kind, const StopToken& stop) override;
  Status Cleanup() override;

  // For tests and logs: whether the last Sync wrote to the kernel.
  bool last_sync_wrote() const { return last_sync_wrote_; }

 private:
  // A change recorded by a handler: the object, or nullopt for a deletion.
  template <typename T>
  using Changes = std::map<std::string, std::optional<T>>;
  struct Pending {
    Changes<model::Namespace> namespaces;
    Changes<model::Pod> pods;
    Changes<model::NetworkPolicy> policies;
    std::optional<Clock::TimePoint> oldest_event;  // only events after in-sync are timed
    bool empty() const { return namespaces.empty() && pods.empty() && policies.empty(); }
  };

  void NoteEventLocked();
  // Applies the changes to the compiler; true if there were any.
  bool Apply(Pending& pending);
  // Whether policyd has any chain or set in the kernel (decides the pre-in-sync behaviour).
  Expected<bool> KernelHoldsPolicydState();
  void Publish(SyncKind kind, Clock::Duration took, std::optional<Clock::TimePoint> oldest);

  const CompilerOptions options_;
  iptables::IptablesRunner& runner_;
  ipset::IpsetClient& ipset_;
  PolicyMetrics* const metrics_;
  Clock& clock_;

  std::mutex mu_;
  Pending pending_;       // guarded by mu_
  bool in_sync_ = false;  // guarded by mu_

  // Loop thread only.
  IncrementalCompiler compiler_;
  FirewallSyncer syncer_;
  // The last write succeeded, so the compiler's next delta is relative to the kernel's state.
  bool kernel_matches_compiler_ = false;
  std::optional<bool> kernel_had_state_;  // checked once, at the first sync before in-sync
  bool wrote_after_in_sync_ = false;
  bool last_sync_wrote_ = false;
  std::optional<Clock::TimePoint> unprogrammed_since_;  // from a failed sync, kept for latency
};

}  // namespace kr::policyd
