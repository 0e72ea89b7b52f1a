#include "common/ipset/ipset_sync_plan.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

namespace kr::ipset {
namespace {

void CreateAndFill(IpsetBatch& batch, const SetSpec& spec, const std::set<std::string>& members) {
  batch.Create(spec);
  for (const std::string& member : members) batch.Add(spec.name, member);
}

}  // namespace

std::string TemporarySetName(std::string_view name) {
  static constexpr std::string_view kSuffix = "-TMP";
  std::string base(name.substr(0, kMaxSetNameLength - kSuffix.size()));
  return base + std::string(kSuffix);
}

IpsetSyncPlan PlanIpsetSync(const std::vector<SetContent>& desired,
                            const std::vector<SetContent>& observed, std::string_view owner_prefix,
                            const IpsetSyncOptions& options) {
  std::map<std::string_view, const SetContent*> observed_by_name;
  for (const SetContent& set : observed) {
    if (set.spec.name.compare(0, owner_prefix.size(), owner_prefix) == 0) {
      observed_by_name.emplace(set.spec.name, &set);
    }
  }
  std::set<std::string_view> desired_names;
  IpsetSyncPlan plan;
  IpsetBatch& batch = plan.before_rules;
  std::vector<const SetContent*> order;
  order.reserve(desired.size());
  for (const SetContent& want : desired) order.push_back(&want);
  if (options.largest_first) {
    std::stable_sort(order.begin(), order.end(), [](const SetContent* a, const SetContent* b) {
      return a->members.size() > b->members.size();
    });
  }
  for (const SetContent* wanted : order) {
    const SetContent& want = *wanted;
    desired_names.insert(want.spec.name);
    auto it = observed_by_name.find(want.spec.name);
    if (it == observed_by_name.end()) {
      CreateAndFill(batch, want.spec, want.members);
      continue;
    }
    const SetContent& have = *it->second;
    if (have.spec != want.spec) {
      batch.Destroy(want.spec.name);
      CreateAndFill(batch, want.spec, want.members);
      continue;
    }
    if (have.members == want.members) continue;
    if (options.atomic_replace) {
      SetSpec temp{TemporarySetName(want.spec.name), want.spec.type, want.spec.family};
      // A leftover temporary set from an interrupted sync would make Create fail.
      if (observed_by_name.count(temp.name) != 0) batch.Destroy(temp.name);
      CreateAndFill(batch, temp, want.members);
      batch.Swap(want.spec.name, temp.name);
      batch.Destroy(temp.name);
      desired_names.insert(temp.name);  // handled here, not a stale set
      continue;
    }
    for (const std::string& member : have.members) {
      if (want.members.count(member) == 0) batch.Del(want.spec.name, member);
    }
    for (const std::string& member : want.members) {
      if (have.members.count(member) == 0) batch.Add(want.spec.name, member);
    }
  }
  for (const auto& [name, set] : observed_by_name) {
    if (desired_names.count(name) == 0) plan.after_rules.Destroy(std::string(name));
  }
  return plan;
}

}  // namespace kr::ipset
