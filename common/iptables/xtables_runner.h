// IptablesRunner over the iptables 1.8 tools of one backend, run through pipes:
//   legacy: iptables-legacy-save / iptables-legacy-restore (and ip6tables-legacy-*)
//   nft:    iptables-nft-save / iptables-nft-restore (and ip6tables-nft-*)
// Debian 12 ships both (update-alternatives picks what plain `iptables` means). Restores use
// --noflush and --wait, so a concurrent legacy user holding the xtables lock delays rather
// than fails us.
//
// Threading: stateless, safe from any thread. The tools run in the network namespace of the
// calling thread.
#pragma once

#include <string>

#include "common/iptables/iptables_runner.h"

namespace kr::iptables {

enum class Backend { kLegacy, kNft };

std::string_view BackendName(Backend backend);  // "legacy" / "nft"

class XtablesRunner final : public IptablesRunner {
 public:
  explicit XtablesRunner(Backend backend) : backend_(backend) {}

  Expected<std::string> Save(IpFamily family) override;
  Status Restore(IpFamily family, std::string_view payload) override;

  Backend backend() const { return backend_; }
  // "iptables-nft-restore", "ip6tables-legacy-save", ...
  std::string Tool(IpFamily family, std::string_view verb) const;

 private:
  Backend backend_;
};

}  // namespace kr::iptables
