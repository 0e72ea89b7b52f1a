#include "services/policyd/core/firewall_syncer.h"

#include "common/ipset/ipset_sync_plan.h"
#include "services/policyd/core/names.h"
#include "services/policyd/core/rule_compiler.h"

namespace kr::policyd {
namespace {

Error Prefixed(const std::string& what, const Error& error) {
  return Error{error.code, what + ": " + error.message};
}

void NoteSets(const ipset::IpsetBatch& batch, std::set<std::string>& names) {
  for (const ipset::IpsetOp& op : batch.ops()) names.insert(op.spec.name);
}

}  // namespace

FirewallSyncer::FirewallSyncer(iptables::IptablesRunner& runner, ipset::IpsetClient& ipset,
                               const CompilerOptions& options)
    : chains_{iptables::OwnedChainSyncer(runner, iptables::IpFamily::kIPv4, PolicydOwner()),
              iptables::OwnedChainSyncer(runner, iptables::IpFamily::kIPv6, PolicydOwner())},
      ipset_(ipset),
      families_{options.ipv4, options.ipv6} {}

Expected<SyncResult> FirewallSyncer::Sync(const CompiledFirewall& desired, bool full) {
  SyncResult result;
  std::vector<ipset::SetContent> listed;
  if (full || !last_sets_) {
    auto read = ipset_.List(kSetPrefix);
    if (!read.ok()) return Prefixed("list ipsets", read.error());
    listed = std::move(*read);
  } else {
    listed = std::move(*last_sets_);
  }
  last_sets_.reset();  // until this sync has succeeded
  ipset::IpsetSyncOptions set_options;
  set_options.largest_first = true;
  ipset::IpsetSyncPlan sets = ipset::PlanIpsetSync(desired.sets, listed, kSetPrefix, set_options);
  if (Status status = ipset_.Restore(sets.before_rules); !status.ok()) {
    return Prefixed("update ipsets", status.error());
  }
  iptables::SyncOptions options;
  options.trust_last_known = !full;
  for (int family = 0; family < 2; ++family) {
    if (!families_[family]) continue;
    auto plan = chains_[family].Sync(desired.rules[family], options);
    if (!plan.ok()) {
      chains_[family].Forget();
      return Prefixed(family == 0 ? "sync iptables" : "sync ip6tables", plan.error());
    }
    result.plans[family] = std::move(*plan);
  }
  if (Status status = ipset_.Restore(sets.after_rules); !status.ok()) {
    return Prefixed("destroy unused ipsets", status.error());
  }
  last_sets_ = desired.sets;
  NoteSets(sets.before_rules, result.sets_changed);
  NoteSets(sets.after_rules, result.sets_changed);
  result.ipset_commands = sets.before_rules.size() + sets.after_rules.size();
  return result;
}

Expected<SyncResult> FirewallSyncer::ApplyDelta(const FirewallDelta& delta) {
  SyncResult result;
  last_sets_.reset();  // the delta does not say what every set holds
  if (Status status = ipset_.Restore(delta.sets_before_rules); !status.ok()) {
    return Prefixed("update ipsets", status.error());
  }
  for (int family = 0; family < 2; ++family) {
    if (!families_[family] || delta.chains[family].empty()) continue;
    auto plan = iptables::PlanChainChanges(PolicydOwner(), delta.chains[family]);
    if (plan.ok()) plan = chains_[family].ApplyPlan(std::move(*plan));
    if (!plan.ok()) {
      chains_[family].Forget();
      return Prefixed(family == 0 ? "update iptables" : "update ip6tables", plan.error());
    }
    result.plans[family] = std::move(*plan);
  }
  if (Status status = ipset_.Restore(delta.sets_after_rules); !status.ok()) {
    return Prefixed("destroy unused ipsets", status.error());
  }
  NoteSets(delta.sets_before_rules, result.sets_changed);
  NoteSets(delta.sets_after_rules, result.sets_changed);
  result.ipset_commands = delta.sets_before_rules.size() + delta.sets_after_rules.size();
  return result;
}

Status FirewallSyncer::Cleanup() {
  last_sets_.reset();
  for (int family = 0; family < 2; ++family) {
    if (!families_[family]) continue;
    auto plan = chains_[family].Cleanup();
    if (!plan.ok()) return Prefixed("clean up iptables", plan.error());
  }
  auto listed = ipset_.List(kSetPrefix);
  if (!listed.ok()) return Prefixed("list ipsets", listed.error());
  ipset::IpsetSyncPlan sets = ipset::PlanIpsetSync({}, *listed, kSetPrefix);
  if (Status status = ipset_.Restore(sets.before_rules); !status.ok()) return status;
  return ipset_.Restore(sets.after_rules);
}

}  // namespace kr::policyd
