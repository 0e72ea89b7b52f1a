#include "common/iptables/owned_chain_syncer.h"

#include "common/iptables/restore_interpreter.h"

namespace kr::iptables {

Expected<Ruleset> OwnedChainSyncer::Observe() {
  last_known_.reset();
  auto saved = runner_.Save(family_);
  if (!saved) return saved.error();
  auto parsed = ParseIptablesSave(*saved);
  if (parsed) last_known_ = *parsed;
  return parsed;
}

Expected<RestorePlan> OwnedChainSyncer::Apply(Expected<RestorePlan> plan, bool dry_run) {
  if (!plan || dry_run || plan->empty()) return plan;
  if (Status s = runner_.Restore(family_, plan->payload); !s) {
    last_known_.reset();  // a refused payload may have been partly applied by another backend
    return s.error();
  }
  // The kernel accepted the payload, so replaying it on the last-known state gives the state
  // the kernel now has (as far as this owner can know).
  if (last_known_ &&
      !ApplyRestorePayload(*last_known_, plan->payload, "last-known state", RestoreChecks::kNone)) {
    last_known_.reset();
  }
  return plan;
}

Expected<RestorePlan> OwnedChainSyncer::Sync(const DesiredRules& desired,
                                             const SyncOptions& options) {
  if (!options.trust_last_known || !last_known_) {
    auto observed = Observe();
    if (!observed) return observed.error();
  }
  return Apply(PlanRestore(owner_, desired, *last_known_, options.mode), options.dry_run);
}

Expected<RestorePlan> OwnedChainSyncer::Cleanup(bool dry_run) {
  auto observed = Observe();
  if (!observed) return observed.error();
  return Apply(PlanCleanup(owner_, *observed), dry_run);
}

}  // namespace kr::iptables
