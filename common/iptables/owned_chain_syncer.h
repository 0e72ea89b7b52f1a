// Sync and Cleanup of one owner's chains in one address family: iptables-save, parse, plan the
// minimal payload (restore_plan.h), iptables-restore --noflush. What a daemon's Sync verb calls.
//
// Reading the kernel is the expensive part at scale (iptables-nft-save of 20,000 rules takes
// hundreds of milliseconds), so the syncer also keeps the last state it read and wrote: an
// event-driven sync may plan against that (SyncOptions::trust_last_known) and pay only for
// the restore, while the periodic full sync reads the kernel and repairs drift made by others.
//
// Threading: not thread-safe; one syncer per owner and family, used from the daemon's sync loop.
#pragma once

#include <optional>

#include "common/iptables/iptables_runner.h"
#include "common/iptables/restore_plan.h"

namespace kr::iptables {

struct SyncOptions {
  PlanMode mode = PlanMode::kChangedOnly;
  bool dry_run = false;  // compute and return the plan, apply nothing
  // Plan against the last state this syncer read and wrote instead of running iptables-save.
  // Blind to changes others made since; reads the kernel anyway when nothing is known yet.
  bool trust_last_known = false;
};

class OwnedChainSyncer {
 public:
  // `runner` must outlive the syncer.
  OwnedChainSyncer(IptablesRunner& runner, IpFamily family, Owner owner)
      : runner_(runner), family_(family), owner_(std::move(owner)) {}

  Expected<RestorePlan> Sync(const DesiredRules& desired, const SyncOptions& options = {});

  // Applies a plan made without reading the kernel (PlanChainChanges from what the owner last
  // wrote), keeping the last-known state current when there is one.
  Expected<RestorePlan> ApplyPlan(RestorePlan plan, bool dry_run = false) {
    return Apply(std::move(plan), dry_run);
  }

  // Removes every chain and jump rule of the owner, nothing else. Always reads the kernel.
  Expected<RestorePlan> Cleanup(bool dry_run = false);

  // Reads the kernel (and refreshes the last-known state).
  Expected<Ruleset> Observe();

  // Drops the last-known state, e.g. when something else is known to have changed the rules.
  void Forget() { last_known_.reset(); }

  const Owner& owner() const { return owner_; }

 private:
  Expected<RestorePlan> Apply(Expected<RestorePlan> plan, bool dry_run);

  IptablesRunner& runner_;
  IpFamily family_;
  Owner owner_;
  std::optional<Ruleset> last_known_;
};

}  // namespace kr::iptables
