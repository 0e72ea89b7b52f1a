// The pure delta for an owner that knows what it last wrote: (each changed chain's rules before
// and after) -> one iptables-restore --noflush payload touching only those chains. No
// iptables-save is read: the caller vouches that `before` is what the kernel holds (a periodic
// PlanRestore against iptables-save repairs the kernel when that was not so).
//
// A chain edited in place keeps its unchanged head and tail: only the rules in between are
// deleted (-D CHAIN n) and inserted (-I CHAIN n), so adding one rule to a chain of hundreds
// is two payload lines; when that would write more than the whole chain, the chain is
// flushed and rewritten instead (":CHAIN - [0:0]" then -A).
//
// Payload shape per table: declarations of new, rewritten and deleted chains; edits and
// content; -X of deleted chains (after every rule that could reference them is gone); COMMIT.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/base/expected.h"
#include "common/iptables/owned_rules.h"
#include "common/iptables/restore_plan.h"

namespace kr::iptables {

struct ChainChange {
  std::string table = "filter";
  std::string chain;                               // must carry the owner's chain prefix
  std::optional<std::vector<std::string>> before;  // nullopt: the chain does not exist yet
  std::optional<std::vector<std::string>> after;   // nullopt: the chain is to be deleted
};

// EINVAL for a chain outside the owner's prefix or a rule that does not parse.
Expected<RestorePlan> PlanChainChanges(const Owner& owner, const std::vector<ChainChange>& changes);

}  // namespace kr::iptables
