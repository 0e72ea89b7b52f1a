#include "common/iptables/chain_delta_plan.h"

#include <map>

#include "common/iptables/rule_text.h"

namespace kr::iptables {
namespace {

struct TableSection {
  std::string declares, rules, deletes;
};

Expected<std::string> Normalized(const std::string& rule) {
  if (IsNormalized(rule)) return rule;
  return NormalizeRule(rule);
}

Status AppendRule(std::string& out, std::string_view verb, const std::string& chain,
                  std::string_view position, const std::string& rule) {
  auto normalized = Normalized(rule);
  if (!normalized) return normalized.error();
  out += verb;
  out += ' ';
  out += chain;
  out += ' ';
  if (!position.empty()) {
    out += position;
    out += ' ';
  }
  out += *normalized;
  out += '\n';
  return {};
}

Status Rewrite(const ChainChange& change, TableSection& section, RestorePlan& plan) {
  section.declares += ":" + change.chain + " - [0:0]\n";
  for (const std::string& rule : *change.after) {
    if (Status s = AppendRule(section.rules, "-A", change.chain, "", rule); !s) return s;
    ++plan.rules_written;
  }
  return {};
}

// Deletes the rules between the common head and tail and inserts the new ones there, when that
// writes fewer lines than rewriting the chain.
Status Edit(const ChainChange& change, TableSection& section, RestorePlan& plan) {
  const auto& before = *change.before;
  const auto& after = *change.after;
  std::size_t head = 0;
  while (head < before.size() && head < after.size() && before[head] == after[head]) ++head;
  std::size_t tail = 0;
  while (tail < before.size() - head && tail < after.size() - head &&
         before[before.size() - 1 - tail] == after[after.size() - 1 - tail]) {
    ++tail;
  }
  const std::size_t removed = before.size() - head - tail;
  const std::size_t inserted = after.size() - head - tail;
  if (removed == 0 && inserted == 0) return {};
  plan.rewritten_chains.push_back(change.table + "/" + change.chain);
  if (removed + inserted >= after.size() + 1) return Rewrite(change, section, plan);
  const std::string at = std::to_string(head + 1);
  for (std::size_t i = 0; i < removed; ++i) section.rules += "-D " + change.chain + " " + at + "\n";
  for (std::size_t i = 0; i < inserted; ++i) {
    if (Status s = AppendRule(section.rules, "-I", change.chain, std::to_string(head + 1 + i),
                              after[head + i]);
        !s) {
      return s;
    }
    ++plan.rules_written;
  }
  return {};
}

}  // namespace

Expected<RestorePlan> PlanChainChanges(const Owner& owner,
                                       const std::vector<ChainChange>& changes) {
  RestorePlan plan;
  std::map<std::string, TableSection> tables;
  for (const ChainChange& change : changes) {
    DesiredRules check;
    check[change.table].chains[change.chain];
    if (Status s = ValidateDesiredRules(owner, check); !s) return s.error();
    TableSection& section = tables[change.table];
    const std::string qualified = change.table + "/" + change.chain;
    if (!change.after) {
      if (!change.before) continue;
      plan.deleted_chains.push_back(qualified);
      section.declares += ":" + change.chain + " - [0:0]\n";
      section.deletes += "-X " + change.chain + "\n";
      continue;
    }
    if (!change.before) {
      plan.created_chains.push_back(qualified);
      if (Status s = Rewrite(change, section, plan); !s) return s.error();
      continue;
    }
    if (Status s = Edit(change, section, plan); !s) return s.error();
  }
  for (const auto& [table, section] : tables) {
    if (section.declares.empty() && section.rules.empty() && section.deletes.empty()) continue;
    plan.payload +=
        "*" + table + "\n" + section.declares + section.rules + section.deletes + "COMMIT\n";
  }
  return plan;
}

}  // namespace kr::iptables
