#include "services/routed/egress/egress_syncer.h"

#include "common/ipset/ipset_sync_plan.h"
#include "common/log/log.h"
#include "services/routed/egress/egress_names.h"

namespace kr::routed::egress {
namespace {

Error Prefixed(const std::string& what, const Error& error) {
  return Error{error.code, "pod egress: " + what + ": " + error.message};
}

}  // namespace

EgressSyncer::EgressSyncer(EgressOptions options, iptables::IptablesRunner& runner,
                           ipset::IpsetClient& ipset)
    : options_(options),
      chains_{iptables::OwnedChainSyncer(runner, iptables::IpFamily::kIPv4, EgressOwner()),
              iptables::OwnedChainSyncer(runner, iptables::IpFamily::kIPv6, EgressOwner())},
      ipset_(ipset) {}

Expected<EgressSyncResult> EgressSyncer::Sync(const ClusterAddresses& addresses, bool full) {
  const DesiredEgress desired = BuildDesiredEgress(options_, addresses);
  std::vector<ipset::SetContent> observed;
  if (full || !last_sets_) {
    Expected<std::vector<ipset::SetContent>> listed = ipset_.List(kSetPrefix);
    if (!listed.ok()) return Prefixed("list ipsets", listed.error());
    observed = std::move(*listed);
  } else {
    observed = std::move(*last_sets_);
  }
  last_sets_.reset();  // until this sync has succeeded

  EgressSyncResult result;
  const ipset::IpsetSyncPlan sets = ipset::PlanIpsetSync(desired.sets, observed, kSetPrefix);
  if (Status status = ipset_.Restore(sets.before_rules); !status.ok()) {
    return Prefixed("update ipsets", status.error());
  }
  iptables::SyncOptions sync_options;
  sync_options.trust_last_known = !full;
  for (int family = 0; family < 2; ++family) {
    if (!FamilyOn(family)) continue;  // its tools may be missing on a single-stack node
    Expected<iptables::RestorePlan> plan =
        chains_[family].Sync(desired.rules[family], sync_options);
    if (!plan.ok()) {
      chains_[family].Forget();
      return Prefixed(family == 0 ? "sync iptables" : "sync ip6tables", plan.error());
    }
    result.rules_written[family] = plan->rules_written;
  }
  if (Status status = ipset_.Restore(sets.after_rules); !status.ok()) {
    return Prefixed("destroy unused ipsets", status.error());
  }
  last_sets_ = desired.sets;
  result.ipset_commands = sets.before_rules.size() + sets.after_rules.size();
  if (result.changed()) {
    KR_LOG(INFO) << "pod egress: " << result.ipset_commands << " ipset commands, "
                 << result.rules_written[0] << "+" << result.rules_written[1]
                 << " iptables rules written";
  }
  return result;
}

Status EgressSyncer::Cleanup() {
  last_sets_.reset();
  for (int family = 0; family < 2; ++family) {
    if (!FamilyOn(family)) continue;
    Expected<iptables::RestorePlan> plan = chains_[family].Cleanup();
    if (!plan.ok()) {
      return Prefixed(family == 0 ? "clean up iptables" : "clean up ip6tables", plan.error());
    }
  }
  Expected<std::vector<ipset::SetContent>> listed = ipset_.List(kSetPrefix);
  if (!listed.ok()) return Prefixed("list ipsets", listed.error());
  const ipset::IpsetSyncPlan sets = ipset::PlanIpsetSync({}, *listed, kSetPrefix);
  if (Status status = ipset_.Restore(sets.before_rules); !status.ok()) {
    return Prefixed("clean up ipsets", status.error());
  }
  if (Status status = ipset_.Restore(sets.after_rules); !status.ok()) {
    return Prefixed("destroy ipsets", status.error());
  }
  return Status::Ok();
}

}  // namespace kr::routed::egress
