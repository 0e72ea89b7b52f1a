// A stateful in-memory IptablesRunner: Save prints its tables as iptables-save does, Restore
// interprets a --noflush payload with iptables-restore's semantics (a table section applies
// whole at COMMIT or not at all; ":CHAIN" creates or flushes; -X refuses referenced or
// non-empty chains; -D needs an exact match) and fails with the same "line N" messages.
// For unit tests of code above the seam. Not thread-safe.
#pragma once

#include <string>

#include "common/iptables/iptables_runner.h"

namespace kr::iptables {

class FakeIptablesRunner final : public IptablesRunner {
 public:
  FakeIptablesRunner();

  Expected<std::string> Save(IpFamily family) override;
  Status Restore(IpFamily family, std::string_view payload) override;

  // Direct access, e.g. to plant another owner's rules.
  Ruleset& rules(IpFamily family) { return family == IpFamily::kIPv4 ? ipv4_ : ipv6_; }
  int restore_calls() const { return restore_calls_; }
  int save_calls() const { return save_calls_; }

 private:
  Ruleset ipv4_;
  Ruleset ipv6_;
  int restore_calls_ = 0;
  int save_calls_ = 0;
};

}  // namespace kr::iptables
