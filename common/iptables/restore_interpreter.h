// iptables-restore --noflush semantics on an in-memory Ruleset: ":CHAIN" creates a chain or
// flushes an existing one, -A/-I/-D/-F/-N/-X act as the tool does, COMMIT ends a table section.
// Used by FakeIptablesRunner (checked, transactional) and by OwnedChainSyncer to keep its
// last-known view of the kernel current after a restore the kernel accepted (unchecked).
#pragma once

#include <string_view>

#include "common/base/expected.h"
#include "common/iptables/ruleset.h"

namespace kr::iptables {

enum class RestoreChecks {
  // Refuse what the kernel refuses (unknown jump targets, -X of a referenced or non-empty
  // chain, -D of a missing rule), applying each table section whole or not at all.
  kLikeKernel,
  // Apply effects only, in place: for payloads the kernel already accepted. On error the
  // ruleset is partly changed and should be discarded.
  kNone,
};

// Errors look like iptables-restore's (RestoreError: "... at line N (...)"), from `tool`.
Status ApplyRestorePayload(Ruleset& ruleset, std::string_view payload, std::string_view tool,
                           RestoreChecks checks);

}  // namespace kr::iptables
