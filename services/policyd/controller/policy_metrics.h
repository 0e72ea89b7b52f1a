// policyd's metrics, named as kube-router names them where it has them:
//   kube_router_controller_iptables_sync_time       histogram, seconds per sync (label: kind)
//   kube_router_controller_policy_chains            gauge, owned iptables chains (all families)
//   kube_router_controller_policy_ipsets            gauge, owned ipsets
// and policyd's own:
//   kr_policyd_rules                                gauge, rules in owned chains plus jumps
//   kr_policyd_network_programming_duration_seconds histogram, oldest unprogrammed bus event
//                                                   to rules and sets in place (after in-sync)
//
// Threading: every method is safe from any thread (the registry's children are atomic).
#pragma once

#include <memory>

#include "common/metrics/registry.h"
#include "common/runtime/controller.h"

namespace kr::policyd {

class PolicyMetrics {
 public:
  // Registers the families (start-up: throws std::invalid_argument on a clash).
  explicit PolicyMetrics(metrics::Registry& registry);

  void ObserveSync(SyncKind kind, double seconds);
  void SetCounts(std::size_t chains, std::size_t rules, std::size_t ipsets);
  void ObserveProgramming(double seconds);

 private:
  std::shared_ptr<metrics::Histogram> full_sync_;
  std::shared_ptr<metrics::Histogram> incremental_sync_;
  std::shared_ptr<metrics::Gauge> chains_;
  std::shared_ptr<metrics::Gauge> rules_;
  std::shared_ptr<metrics::Gauge> ipsets_;
  std::shared_ptr<metrics::Histogram> programming_;
};

}  // namespace kr::policyd
