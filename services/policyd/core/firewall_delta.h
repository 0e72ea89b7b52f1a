// What changed in the compiled firewall since the last compile, as the kernel must see it: the
// chains whose rules changed (with their old rules, so a chain can be edited in place) and the
// ipset commands (create, add/del of single members, destroy) that turn the old sets into the
// new ones. Made by IncrementalCompiler::CompileDelta from the fragments it recomputed, applied
// by FirewallSyncer::ApplyDelta; cost in proportion to the change, not to the cluster.
#pragma once

#include <array>
#include <vector>

#include "common/ipset/ipset_batch.h"
#include "common/iptables/chain_delta_plan.h"
#include "services/policyd/core/firewall_fragment.h"

namespace kr::policyd {

struct FirewallDelta {
  std::array<std::vector<iptables::ChainChange>, 2> chains;  // [0] IPv4, [1] IPv6
  ipset::IpsetBatch sets_before_rules;                       // creates, member adds and dels
  ipset::IpsetBatch sets_after_rules;  // destroys, once no rule references the sets

  bool empty() const {
    return chains[0].empty() && chains[1].empty() && sets_before_rules.empty() &&
           sets_after_rules.empty();
  }
};

// Appends to `delta` what turns `before` into `after` (one object's fragment, old and new).
void DiffFragments(const Fragment& before, const Fragment& after, FirewallDelta& delta);

}  // namespace kr::policyd
