// The pure diff: (what an owner wants, what iptables-save shows) -> one iptables-restore
// --noflush payload that changes only the owner's chains and jump rules, and only those that
// differ. Feeding the payload to iptables-restore is one transaction per table.
//
// Payload shape per table (order matters for references):
//   :CHAIN - [0:0]        declare new chains; on an existing chain this flushes it, which is
//                         how a chain's content is replaced atomically (and chains to delete
//                         are emptied first)
//   -D CHAIN <rule>       remove the owner's stale jump rules from foreign chains
//   -A CHAIN <rule>       content of new and rewritten owned chains
//   -I CHAIN n / -A ...   the owner's jump rules, re-placed
//   -X CHAIN              delete owned chains no longer wanted
//   COMMIT
#pragma once

#include <string>
#include <vector>

#include "common/base/expected.h"
#include "common/iptables/owned_rules.h"
#include "common/iptables/ruleset.h"

namespace kr::iptables {

enum class PlanMode {
  kChangedOnly,  // rewrite only chains (and jump blocks) whose rules differ
  kRewriteAll,   // rewrite every wanted chain and jump block (repairs nothing more, costs more)
};

struct RestorePlan {
  std::string payload;  // empty when the kernel already matches
  // "table/chain" entries, for logs and metrics.
  std::vector<std::string> created_chains;
  std::vector<std::string> rewritten_chains;
  std::vector<std::string> deleted_chains;
  int jump_rules_removed = 0;
  int jump_rules_added = 0;
  int rules_written = 0;  // -A/-I lines in the payload

  bool empty() const { return payload.empty(); }
};

// Desired rules are normalized before comparing (see rule_text.h). EINVAL if desired is
// invalid (ValidateDesiredRules).
Expected<RestorePlan> PlanRestore(const Owner& owner, const DesiredRules& desired,
                                  const Ruleset& observed, PlanMode mode = PlanMode::kChangedOnly);

// Everything the owner has, removed: PlanRestore with nothing desired.
Expected<RestorePlan> PlanCleanup(const Owner& owner, const Ruleset& observed);

}  // namespace kr::iptables
