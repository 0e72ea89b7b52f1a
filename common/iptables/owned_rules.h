// What one owner (a daemon) wants in iptables: its own chains, whole, and jump rules placed in
// chains it does not own (built-in ones such as INPUT/FORWARD, or another owner's hook chain).
//
// Ownership is by name and by comment, so that a plan computed from iptables-save is exact and
// never touches anyone else's rules:
//   - a chain belongs to the owner iff its name starts with `chain_prefix`;
//   - a rule in a chain the owner does not own belongs to it iff its `-m comment --comment`
//     value starts with `comment_prefix`.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/expected.h"

namespace kr::iptables {

// Longest chain name the kernel accepts (XT_EXTENSION_MAXNAMELEN - 1).
inline constexpr std::size_t kMaxChainNameLength = 28;

struct Owner {
  std::string chain_prefix;    // e.g. "KR-POL-"
  std::string comment_prefix;  // e.g. "kr-node:policyd:"
};

struct JumpRule {
  enum class Position {
    kFirst,  // the owner's kFirst rules form a block at the top of the chain, in order
    kLast,   // appended; only their relative order is kept
  };
  std::string chain;  // INPUT, FORWARD, OUTPUT, PREROUTING, POSTROUTING, or a foreign chain
  std::string rule;   // rule text after "-A CHAIN"; must carry the owner's comment
  Position position = Position::kFirst;

  bool operator==(const JumpRule&) const = default;
};

struct DesiredTable {
  // Owned chain -> its rules (text after "-A CHAIN"), in order. A chain mapped to no rules
  // exists empty.
  std::map<std::string, std::vector<std::string>> chains;
  std::vector<JumpRule> jumps;
};

// Table name (filter, nat, mangle, raw) -> what the owner wants there. Tables absent here
// (or present but empty) end up holding none of the owner's chains or jumps.
using DesiredRules = std::map<std::string, DesiredTable>;

// A jump rule text carrying the owner's comment: "<matches> -m comment --comment
// <comment_prefix><id> -j <target>". Rules are compared with what iptables-save prints, so
// `matches` should be written as iptables-save would print it (e.g. "-s 10.0.0.0/8", with the
// prefix length; "-p tcp -m tcp --dport 80") or the rule will be rewritten on every sync.
std::string MakeJumpRule(const Owner& owner, std::string_view id, std::string_view matches,
                         std::string_view target);

// Checks names, prefixes and comments (EINVAL naming the offender).
Status ValidateDesiredRules(const Owner& owner, const DesiredRules& desired);

}  // namespace kr::iptables
