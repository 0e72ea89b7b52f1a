#include "services/policyd/controller/policy_controller.h"

#include "common/log/log.h"
#include "services/policyd/core/names.h"

namespace kr::policyd {
namespace {

double Seconds(Clock::Duration d) {
  return std::chrono::duration<double>(d).count();
}

std::optional<Clock::TimePoint> Earliest(std::optional<Clock::TimePoint> a,
                                         std::optional<Clock::TimePoint> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

}  // namespace

PolicyController::PolicyController(CompilerOptions options, iptables::IptablesRunner& runner,
                                   ipset::IpsetClient& ipset, PolicyMetrics* metrics, Clock& clock)
    : options_(options),
      runner_(runner),
      ipset_(ipset),
      metrics_(metrics),
      clock_(clock),
      compiler_(options),
      syncer_(runner, ipset, options_) {}

void PolicyController::NoteEventLocked() {
  if (in_sync_ && !pending_.oldest_event) pending_.oldest_event = clock_.Now();
}

void PolicyController::UpsertPod(const model::Pod& pod) {
  std::lock_guard lock(mu_);
  pending_.pods[pod.Key()] = pod;
  NoteEventLocked();
}

void PolicyController::DeletePod(const std::string& key) {
  std::lock_guard lock(mu_);
  pending_.pods[key] = std::nullopt;
  NoteEventLocked();
}

void PolicyController::UpsertNamespace(const model::Namespace& ns) {
  std::lock_guard lock(mu_);
  pending_.namespaces[ns.name] = ns;
  NoteEventLocked();
}

void PolicyController::DeleteNamespace(const std::string& name) {
  std::lock_guard lock(mu_);
  pending_.namespaces[name] = std::nullopt;
  NoteEventLocked();
}

void PolicyController::UpsertPolicy(const model::NetworkPolicy& policy) {
  std::lock_guard lock(mu_);
  pending_.policies[policy.Key()] = policy;
  NoteEventLocked();
}

void PolicyController::DeletePolicy(const std::string& key) {
  std::lock_guard lock(mu_);
  pending_.policies[key] = std::nullopt;
  NoteEventLocked();
}

void PolicyController::MarkInSync() {
  std::lock_guard lock(mu_);
  in_sync_ = true;
}

bool PolicyController::Apply(Pending& pending) {
  // Order does not matter for the result (Compile() derives everything from the state), only
  // for how much gets marked dirty; namespaces first lets pods and policies see their labels.
  for (auto& [name, ns] : pending.namespaces) {
    if (ns) {
      compiler_.UpsertNamespace(*ns);
    } else {
      compiler_.DeleteNamespace(name);
    }
  }
  for (auto& [key, pod] : pending.pods) {
    if (pod) {
      compiler_.UpsertPod(*pod);
    } else {
      compiler_.DeletePod(key);
    }
  }
  for (auto& [key, policy] : pending.policies) {
    if (policy) {
      compiler_.UpsertPolicy(*policy);
    } else {
      compiler_.DeletePolicy(key);
    }
  }
  return !pending.empty();
}

Expected<bool> PolicyController::KernelHoldsPolicydState() {
  auto sets = ipset_.List(kSetPrefix);
  if (!sets.ok()) return Error{sets.error().code, "list ipsets: " + sets.error().message};
  if (!sets->empty()) return true;
  const std::string chain_mark = ":" + std::string(kChainPrefix);
  for (iptables::IpFamily family : {iptables::IpFamily::kIPv4, iptables::IpFamily::kIPv6}) {
    if (family == iptables::IpFamily::kIPv4 ? !options_.ipv4 : !options_.ipv6) continue;
    auto saved = runner_.Save(family);
    if (!saved.ok()) return Error{saved.error().code, "save: " + saved.error().message};
    if (saved->find(chain_mark) != std::string::npos) return true;
  }
  return false;
}

Status PolicyController::Sync(SyncKind kind, const StopToken& /*stop*/) {
  Pending pending;
  bool in_sync;
  {
    std::lock_guard lock(mu_);
    std::swap(pending, pending_);
    in_sync = in_sync_;
  }
  Apply(pending);
  last_sync_wrote_ = false;
  std::optional<Clock::TimePoint> oldest = Earliest(unprogrammed_since_, pending.oldest_event);

  if (!in_sync) {
    if (!kernel_had_state_) {
      auto holds = KernelHoldsPolicydState();
      if (!holds.ok()) return holds.error();
      kernel_had_state_ = *holds;
      if (*holds) {
        KR_LOG(INFO) << "policyd state found in the kernel: kept unchanged until the bus is "
                        "in-sync";
      }
    }
    if (*kernel_had_state_) return Status::Ok();
  }

  // The first write after in-sync re-reads the kernel: it is the one that may delete. Between
  // full syncs, events are written as deltas against what the last write left.
  bool full = kind == SyncKind::kFull || (in_sync && !wrote_after_in_sync_);
  bool delta = !full && kernel_matches_compiler_;
  Clock::TimePoint start = clock_.Now();
  Expected<SyncResult> result = delta ? syncer_.ApplyDelta(compiler_.CompileDelta())
                                      : syncer_.Sync(compiler_.Compile(), full);
  if (!result.ok()) {
    kernel_matches_compiler_ = false;
    unprogrammed_since_ = oldest;
    return result.error();
  }
  Clock::TimePoint done = clock_.Now();
  kernel_matches_compiler_ = true;
  last_sync_wrote_ = true;
  if (in_sync) wrote_after_in_sync_ = true;
  unprogrammed_since_.reset();
  if (metrics_ != nullptr) {
    metrics_->ObserveSync(kind, Seconds(done - start));
    if (oldest) metrics_->ObserveProgramming(Seconds(done - *oldest));
    const IncrementalCompiler::Counts& counts = compiler_.counts();
    // Plus the two jumps from the built-in chains (FORWARD, INPUT) per family.
    const std::size_t jumps = 2 * ((options_.ipv4 ? 1 : 0) + (options_.ipv6 ? 1 : 0));
    metrics_->SetCounts(counts.chains, counts.rules + jumps, counts.sets);
  }
  for (int family = 0; family < 2; ++family) {
    const iptables::RestorePlan& plan = result->plans[family];
    if (plan.empty()) continue;
    KR_VLOG(1) << ToString(kind) << (delta ? " delta" : "") << " sync ("
               << (family == 0 ? "IPv4" : "IPv6") << "): " << plan.created_chains.size()
               << " chains created, " << plan.rewritten_chains.size() << " changed, "
               << plan.deleted_chains.size() << " deleted, " << plan.rules_written
               << " rules written";
  }
  if (!result->sets_changed.empty()) {
    KR_VLOG(1) << ToString(kind) << " sync: " << result->sets_changed.size() << " ipsets changed ("
               << result->ipset_commands << " ipset commands)";
  }
  return Status::Ok();
}

Status PolicyController::Cleanup() {
  return syncer_.Cleanup();
}

}  // namespace kr::policyd
