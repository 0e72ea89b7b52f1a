#include "common/iptables/restore_plan.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "common/iptables/rule_text.h"

namespace kr::iptables {
namespace {

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool IsOwnedJump(const Owner& owner, std::string_view rule) {
  auto comment = RuleComment(rule);
  return comment && StartsWith(*comment, owner.comment_prefix);
}

Expected<std::vector<std::string>> NormalizeAll(const std::vector<std::string>& rules) {
  std::vector<std::string> normalized;
  normalized.reserve(rules.size());
  for (const std::string& rule : rules) {
    auto n = NormalizeRule(rule);
    if (!n) return n.error();
    normalized.push_back(std::move(*n));
  }
  return normalized;
}

// Compares desired rules with normalized observed ones without copying the common case.
Expected<bool> SameRules(const std::vector<std::string>& desired,
                         const std::vector<std::string>& observed) {
  if (desired.size() != observed.size()) return false;
  for (std::size_t i = 0; i < desired.size(); ++i) {
    if (IsNormalized(desired[i])) {
      if (desired[i] != observed[i]) return false;
      continue;
    }
    auto normalized = NormalizeRule(desired[i]);
    if (!normalized) return normalized.error();
    if (*normalized != observed[i]) return false;
  }
  return true;
}

// The payload sections of one table, assembled in the order the header describes.
struct TableSection {
  std::string declares, jump_deletes, chain_rules, jump_adds, chain_deletes;

  bool empty() const {
    return declares.empty() && jump_deletes.empty() && chain_rules.empty() && jump_adds.empty() &&
           chain_deletes.empty();
  }
};

// Is the owner's jump block in `chain` as wanted? kFirst rules must be the chain's first rules,
// in order; the owner's remaining rules must be exactly the kLast ones, in order.
bool JumpsInPlace(const Owner& owner, const std::vector<std::string>& chain_rules,
                  const std::vector<std::string>& first, const std::vector<std::string>& last) {
  if (chain_rules.size() < first.size()) return false;
  if (!std::equal(first.begin(), first.end(), chain_rules.begin())) return false;
  std::vector<std::string> rest;
  for (std::size_t i = first.size(); i < chain_rules.size(); ++i) {
    if (IsOwnedJump(owner, chain_rules[i])) rest.push_back(chain_rules[i]);
  }
  return rest == last;
}

Status PlanTable(const Owner& owner, const std::string& table_name, const DesiredTable& wanted,
                 const Table* observed, PlanMode mode, RestorePlan& plan, std::string& payload) {
  static const Table kEmptyTable;
  const Table& have = observed != nullptr ? *observed : kEmptyTable;
  TableSection section;
  std::unordered_map<std::string_view, const Chain*> chains_by_name;
  for (const Chain& chain : have.chains) chains_by_name.emplace(chain.name, &chain);
  auto find_chain = [&](std::string_view name) -> const Chain* {
    auto it = chains_by_name.find(name);
    return it == chains_by_name.end() ? nullptr : it->second;
  };
  auto qualified = [&](const std::string& chain) { return table_name + "/" + chain; };

  // Owned chains: create, rewrite, or leave alone.
  for (const auto& [chain_name, rules] : wanted.chains) {
    const Chain* existing = find_chain(chain_name);
    if (existing != nullptr && mode == PlanMode::kChangedOnly) {
      auto same = SameRules(rules, existing->rules);
      if (!same) return same.error();
      if (*same) continue;
    }
    auto normalized = NormalizeAll(rules);
    if (!normalized) return normalized.error();
    (existing == nullptr ? plan.created_chains : plan.rewritten_chains)
        .push_back(qualified(chain_name));
    section.declares += ":" + chain_name + " - [0:0]\n";
    for (const std::string& rule : *normalized) {
      section.chain_rules += "-A " + chain_name + " " + rule + "\n";
      ++plan.rules_written;
    }
  }
  for (const Chain& chain : have.chains) {
    if (chain.builtin || !StartsWith(chain.name, owner.chain_prefix)) continue;
    if (wanted.chains.count(chain.name) != 0) continue;
    plan.deleted_chains.push_back(qualified(chain.name));
    section.declares += ":" + chain.name + " - [0:0]\n";
    section.chain_deletes += "-X " + chain.name + "\n";
  }

  // Jump rules, per foreign chain that has or should have some.
  std::set<std::string> jump_chains;
  for (const JumpRule& jump : wanted.jumps) jump_chains.insert(jump.chain);
  for (const Chain& chain : have.chains) {
    if (StartsWith(chain.name, owner.chain_prefix)) continue;
    if (std::any_of(chain.rules.begin(), chain.rules.end(),
                    [&](const std::string& rule) { return IsOwnedJump(owner, rule); })) {
      jump_chains.insert(chain.name);
    }
  }
  for (const std::string& chain_name : jump_chains) {
    std::vector<std::string> first, last;
    for (const JumpRule& jump : wanted.jumps) {
      if (jump.chain != chain_name) continue;
      auto normalized = NormalizeRule(jump.rule);
      if (!normalized) return normalized.error();
      (jump.position == JumpRule::Position::kFirst ? first : last).push_back(*normalized);
    }
    const Chain* existing = find_chain(chain_name);
    static const std::vector<std::string> kNoRules;
    const std::vector<std::string>& current = existing != nullptr ? existing->rules : kNoRules;
    if (mode == PlanMode::kChangedOnly && JumpsInPlace(owner, current, first, last)) continue;
    for (const std::string& rule : current) {
      if (!IsOwnedJump(owner, rule)) continue;
      section.jump_deletes += "-D " + chain_name + " " + rule + "\n";
      ++plan.jump_rules_removed;
    }
    // Inserting at 1 in reverse order leaves the block in the wanted order at the top.
    for (auto it = first.rbegin(); it != first.rend(); ++it) {
      section.jump_adds += "-I " + chain_name + " 1 " + *it + "\n";
    }
    for (const std::string& rule : last)
      section.jump_adds += "-A " + chain_name + " " + rule + "\n";
    const int added = static_cast<int>(first.size() + last.size());
    plan.jump_rules_added += added;
    plan.rules_written += added;
  }

  if (section.empty()) return {};
  payload += "*" + table_name + "\n" + section.declares + section.jump_deletes +
             section.chain_rules + section.jump_adds + section.chain_deletes + "COMMIT\n";
  return {};
}

}  // namespace

Expected<RestorePlan> PlanRestore(const Owner& owner, const DesiredRules& desired,
                                  const Ruleset& observed, PlanMode mode) {
  if (Status s = ValidateDesiredRules(owner, desired); !s) return s.error();
  RestorePlan plan;
  static const DesiredTable kNothing;
  for (const auto& [table_name, wanted] : desired) {
    if (Status s = PlanTable(owner, table_name, wanted, observed.FindTable(table_name), mode, plan,
                             plan.payload);
        !s) {
      return s.error();
    }
  }
  // Tables the owner no longer mentions may still hold its leftovers.
  for (const Table& table : observed.tables) {
    if (desired.count(table.name) != 0) continue;
    if (Status s = PlanTable(owner, table.name, kNothing, &table, mode, plan, plan.payload); !s) {
      return s.error();
    }
  }
  return plan;
}

Expected<RestorePlan> PlanCleanup(const Owner& owner, const Ruleset& observed) {
  return PlanRestore(owner, DesiredRules{}, observed);
}

}  // namespace kr::iptables
