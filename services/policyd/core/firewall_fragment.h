// The compiler's output. A Fragment is what one object contributes (a policy's chains and
// sets, a local pod's chains, the top-level chains); the incremental compiler keeps one per
// object and recomputes only the ones an event affects. CompiledFirewall is their union, in
// the form the owned-chain syncer and the ipset sync plan take.
#pragma once

#include <array>
#include <map>
#include <string>
#include <vector>

#include "common/ipset/ipset_types.h"
#include "common/iptables/owned_rules.h"

namespace kr::policyd {

using ChainMap = std::map<std::string, std::vector<std::string>>;  // filter-table chains

struct Fragment {
  std::array<ChainMap, 2> chains;  // [0] IPv4, [1] IPv6
  std::vector<ipset::SetContent> sets;

  bool operator==(const Fragment&) const = default;
};

struct CompiledFirewall {
  std::array<iptables::DesiredRules, 2> rules;  // [0] IPv4, [1] IPv6
  std::vector<ipset::SetContent> sets;          // sorted by name
};

}  // namespace kr::policyd
