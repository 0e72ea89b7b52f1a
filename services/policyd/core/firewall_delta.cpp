#include "services/policyd/core/firewall_delta.h"

#include <map>
#include <string_view>

namespace kr::policyd {
namespace {

void DiffChains(const ChainMap& before, const ChainMap& after,
                std::vector<iptables::ChainChange>& out) {
  auto old_it = before.begin();
  auto new_it = after.begin();
  // Both maps are sorted by name: one merge pass.
  while (old_it != before.end() || new_it != after.end()) {
    if (new_it == after.end() || (old_it != before.end() && old_it->first < new_it->first)) {
      out.push_back({"filter", old_it->first, old_it->second, std::nullopt});
      ++old_it;
    } else if (old_it == before.end() || new_it->first < old_it->first) {
      out.push_back({"filter", new_it->first, std::nullopt, new_it->second});
      ++new_it;
    } else {
      if (old_it->second != new_it->second) {
        out.push_back({"filter", new_it->first, old_it->second, new_it->second});
      }
      ++old_it;
      ++new_it;
    }
  }
}

void DiffSets(const std::vector<ipset::SetContent>& before,
              const std::vector<ipset::SetContent>& after, FirewallDelta& delta) {
  std::map<std::string_view, const ipset::SetContent*> old_by_name;
  for (const ipset::SetContent& set : before) old_by_name.emplace(set.spec.name, &set);
  for (const ipset::SetContent& want : after) {
    auto it = old_by_name.find(want.spec.name);
    const ipset::SetContent* have = it == old_by_name.end() ? nullptr : it->second;
    if (have != nullptr) old_by_name.erase(it);
    if (have != nullptr && have->spec != want.spec) {
      // Names encode type and family, so this does not happen; a new set is the safe answer.
      delta.sets_before_rules.Destroy(want.spec.name);
      have = nullptr;
    }
    if (have == nullptr) {
      delta.sets_before_rules.Create(want.spec);
      for (const std::string& member : want.members)
        delta.sets_before_rules.Add(want.spec.name, member);
      continue;
    }
    if (have->members == want.members) continue;
    for (const std::string& member : have->members) {
      if (want.members.count(member) == 0) delta.sets_before_rules.Del(want.spec.name, member);
    }
    for (const std::string& member : want.members) {
      if (have->members.count(member) == 0) delta.sets_before_rules.Add(want.spec.name, member);
    }
  }
  for (const auto& [name, set] : old_by_name) delta.sets_after_rules.Destroy(std::string(name));
}

}  // namespace

void DiffFragments(const Fragment& before, const Fragment& after, FirewallDelta& delta) {
  for (int family = 0; family < 2; ++family) {
    DiffChains(before.chains[family], after.chains[family], delta.chains[family]);
  }
  DiffSets(before.sets, after.sets, delta);
}

}  // namespace kr::policyd
