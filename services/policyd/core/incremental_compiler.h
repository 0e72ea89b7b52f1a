// The rule compiler kept warm between bus events: it holds the cluster state and one Fragment
// per policy, per local pod and for the top-level chains, and on Compile() recomputes only
// the fragments the events since the last call affected:
//   - a pod added, changed or removed: the policies that select it as target or peer (found
//     through PolicyIndex, then checked exactly), its own chains if it is local, the
//     top-level chains if it is local;
//   - a policy: its own chains and sets, the chains of the local pods it selected before or
//     selects now, the top-level chains (isolation may change);
//   - a namespace: the policies whose namespaceSelectors match its old or new labels (and,
//     with the legacy annotation option, its local pods).
// Compile() returns the whole desired state, equal to CompileAll() of the same state, for the
// full sync (the owned-chain syncer and the ipset plan diff it against the kernel).
// CompileDelta() returns only what changed since the last Compile/CompileDelta (chains with
// their old and new rules, single set members added or removed), for event-driven syncs: its
// cost follows the change, not the cluster.
//
// Threading: not thread-safe; one instance per daemon, used from its sync loop.
#pragma once

#include <map>
#include <set>
#include <string>

#include "services/policyd/core/firewall_delta.h"
#include "services/policyd/core/firewall_fragment.h"
#include "services/policyd/core/pod_index.h"
#include "services/policyd/core/policy_index.h"
#include "services/policyd/core/rule_compiler.h"

namespace kr::policyd {

class IncrementalCompiler {
 public:
  // The first Compile() builds the top-level chains even if no event asked for them.
  explicit IncrementalCompiler(CompilerOptions options)
      : options_(std::move(options)), pod_index_(options_.node_name) {
    pending_.top_level = true;
    state_.pod_index = &pod_index_;
  }
  IncrementalCompiler(const IncrementalCompiler&) = delete;  // state_ points into pod_index_
  IncrementalCompiler& operator=(const IncrementalCompiler&) = delete;

  void UpsertPod(const model::Pod& pod);
  void DeletePod(const std::string& key);
  void UpsertNamespace(const model::Namespace& ns);
  void DeleteNamespace(const std::string& name);
  void UpsertPolicy(const model::NetworkPolicy& policy);
  void DeletePolicy(const std::string& key);

  CompiledFirewall Compile();
  FirewallDelta CompileDelta();

  // Size of the whole compiled firewall (both families), kept current by both compiles.
  struct Counts {
    std::size_t chains = 0;
    std::size_t rules = 0;
    std::size_t sets = 0;
    std::size_t set_members = 0;
  };
  const Counts& counts() const { return counts_; }

  // What the last Compile() recomputed (keys of policies and pods), for tests and metrics.
  struct Work {
    std::set<std::string> policies;
    std::set<std::string> pods;
    bool top_level = false;
  };
  const Work& last_work() const { return last_work_; }
  const ClusterState& state() const { return state_; }
  const CompilerOptions& options() const { return options_; }

 private:
  bool PolicyTouchesPod(const model::NetworkPolicy& policy, const model::Pod& pod) const;
  void MarkPodChange(const model::Pod* before, const model::Pod* after);
  void MarkPolicyTargets(const model::NetworkPolicy& policy);
  // Recomputes the fragments the pending events affect; with `delta`, records what changed.
  void Recompute(FirewallDelta* delta);
  void Replace(Fragment& slot, Fragment next, FirewallDelta* delta);
  void MarkNamespaceChange(const model::Namespace* before, const model::Namespace* after,
                           const std::string& name);

  CompilerOptions options_;
  ClusterState state_;
  PodIndex pod_index_;
  PolicyIndex index_;
  std::map<std::string, Fragment> policy_fragments_;
  std::map<std::string, Fragment> pod_fragments_;
  Fragment top_level_;
  Counts counts_;
  Work pending_;
  Work last_work_;
};

}  // namespace kr::policyd
