// The iptables seam: read all rules of a family, apply a restore payload. The real one runs
// iptables-save / iptables-restore of one backend (xtables_runner.h); FakeIptablesRunner keeps
// tables in memory.
#pragma once

#include <string>
#include <string_view>

#include "common/base/expected.h"
#include "common/iptables/ruleset.h"

namespace kr::iptables {

class IptablesRunner {
 public:
  virtual ~IptablesRunner() = default;

  // iptables-save (or ip6tables-save) output for every table.
  virtual Expected<std::string> Save(IpFamily family) = 0;

  // iptables-restore --noflush: each "*table ... COMMIT" section is one transaction. On failure
  // the Error message names the failing payload line ("line N") when the tool reports one.
  virtual Status Restore(IpFamily family, std::string_view payload) = 0;
};

}  // namespace kr::iptables
