// Puts a CompiledFirewall into the kernel, in the order references require: sets created and
// filled, then each family's owned chains (one iptables-restore --noflush transaction per
// family, only the chains and jump rules that differ), then sets no longer referenced
// destroyed. Touches only chains, jump rules and sets carrying policyd's prefixes.
//
// Threading: not thread-safe; one instance per daemon, used from its sync loop. The runner and
// the ipset client act in the network namespace they were made for (see their headers); both
// must outlive the syncer.
#pragma once

#include <array>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/ipset/ipset_client.h"
#include "common/iptables/owned_chain_syncer.h"
#include "services/policyd/core/compiler_options.h"
#include "services/policyd/core/firewall_delta.h"
#include "services/policyd/core/firewall_fragment.h"

namespace kr::policyd {

struct SyncResult {
  std::array<iptables::RestorePlan, 2> plans;  // [0] IPv4, [1] IPv6 (empty when disabled)
  std::set<std::string> sets_changed;          // sets created, changed or destroyed
  std::size_t ipset_commands = 0;
};

class FirewallSyncer {
 public:
  FirewallSyncer(iptables::IptablesRunner& runner, ipset::IpsetClient& ipset,
                 const CompilerOptions& options);

  // `full` reads the kernel first and so repairs drift others made; otherwise the iptables
  // and ipset plans are made against what this syncer last read and wrote (cheap, for
  // event-driven syncs: listing thousands of sets costs hundreds of milliseconds).
  Expected<SyncResult> Sync(const CompiledFirewall& desired, bool full = true);
  // Writes only a delta (IncrementalCompiler::CompileDelta): new and changed sets' members,
  // then one iptables-restore --noflush per family of just the changed chains, then set
  // destroys. Reads nothing from the kernel: the delta must be relative to what the last
  // successful Sync or ApplyDelta wrote. After a failure the kernel state is unknown: the
  // caller must run a full Sync before the next delta.
  Expected<SyncResult> ApplyDelta(const FirewallDelta& delta);
  // Removes every chain, jump rule and set of policyd (--cleanup-config).
  Status Cleanup();

 private:
  std::array<iptables::OwnedChainSyncer, 2> chains_;
  ipset::IpsetClient& ipset_;
  std::array<bool, 2> families_;
  // The owned sets as the last successful sync left them; reset on any failure.
  std::optional<std::vector<ipset::SetContent>> last_sets_;
};

}  // namespace kr::policyd
