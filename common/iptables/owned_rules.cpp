#include "common/iptables/owned_rules.h"

#include "common/iptables/rule_text.h"

namespace kr::iptables {
namespace {

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

Status ValidChainName(std::string_view name) {
  if (name.empty() || name.size() > kMaxChainNameLength || name[0] == '-' ||
      name.find_first_of(" \t\r\n\"'\\") != std::string_view::npos) {
    return Error{EINVAL, "invalid chain name \"" + std::string(name) + "\""};
  }
  return {};
}

}  // namespace

std::string MakeJumpRule(const Owner& owner, std::string_view id, std::string_view matches,
                         std::string_view target) {
  std::string rule(matches);
  if (!rule.empty()) rule += ' ';
  rule += "-m comment --comment " + QuoteArgument(owner.comment_prefix + std::string(id));
  rule += " -j " + std::string(target);
  return rule;
}

Status ValidateDesiredRules(const Owner& owner, const DesiredRules& desired) {
  if (owner.chain_prefix.empty() || owner.comment_prefix.empty()) {
    return Error{EINVAL, "an owner needs a chain prefix and a comment prefix"};
  }
  for (const auto& [table, wanted] : desired) {
    for (const auto& [chain, rules] : wanted.chains) {
      if (Status s = ValidChainName(chain); !s) return s;
      if (!StartsWith(chain, owner.chain_prefix)) {
        return Error{EINVAL, "chain " + chain + " in table " + table +
                                 " does not start with the owner's prefix " + owner.chain_prefix};
      }
    }
    for (const JumpRule& jump : wanted.jumps) {
      if (Status s = ValidChainName(jump.chain); !s) return s;
      if (StartsWith(jump.chain, owner.chain_prefix)) {
        return Error{EINVAL, "jump rule placed in the owner's own chain " + jump.chain +
                                 "; put it in that chain's rules instead"};
      }
      auto normalized = NormalizeRule(jump.rule);
      if (!normalized) return normalized.error();
      auto comment = RuleComment(*normalized);
      if (!comment || !StartsWith(*comment, owner.comment_prefix)) {
        return Error{EINVAL, "jump rule in " + jump.chain + " lacks the owner's comment " +
                                 owner.comment_prefix + ": " + jump.rule};
      }
    }
  }
  return {};
}

}  // namespace kr::iptables
