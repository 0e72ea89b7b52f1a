#include "services/policyd/controller/policy_metrics.h"

namespace kr::policyd {

PolicyMetrics::PolicyMetrics(metrics::Registry& registry) {
  // 1 ms .. ~65 s: an incremental sync takes milliseconds, a full one at scale seconds.
  auto& sync = registry.AddHistogram("kube_router_controller_iptables_sync_time",
                                     "Time to sync the network policy iptables rules and ipsets, "
                                     "in seconds, by sync kind.",
                                     {"kind"}, metrics::ExponentialBuckets(0.001, 2, 17));
  full_sync_ = sync.WithLabels({"full"});
  incremental_sync_ = sync.WithLabels({"incremental"});
  chains_ = registry
                .AddGauge("kube_router_controller_policy_chains",
                          "Network policy iptables chains owned by policyd.")
                .Get();
  ipsets_ = registry
                .AddGauge("kube_router_controller_policy_ipsets",
                          "Network policy ipsets owned by policyd.")
                .Get();
  rules_ = registry
               .AddGauge("kr_policyd_rules",
                         "Rules in policyd's iptables chains plus its jump rules, all families.")
               .Get();
  programming_ = registry
                     .AddHistogram("kr_policyd_network_programming_duration_seconds",
                                   "From a bus event to its rules and sets in the kernel.", {},
                                   metrics::ExponentialBuckets(0.0005, 2, 17))
                     .Get();
}

void PolicyMetrics::ObserveSync(SyncKind kind, double seconds) {
  (kind == SyncKind::kFull ? full_sync_ : incremental_sync_)->Observe(seconds);
}

void PolicyMetrics::SetCounts(std::size_t chains, std::size_t rules, std::size_t ipsets) {
  chains_->Set(static_cast<double>(chains));
  rules_->Set(static_cast<double>(rules));
  ipsets_->Set(static_cast<double>(ipsets));
}

void PolicyMetrics::ObserveProgramming(double seconds) {
  programming_->Observe(seconds);
}

}  // namespace kr::policyd
