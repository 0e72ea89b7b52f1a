// Pure delta for ipsets: (desired sets, listed sets) -> the commands that make the kernel match,
// touching only sets whose name carries the owner's prefix and only members that differ.
#pragma once

#include <string_view>
#include <vector>

#include "common/ipset/ipset_batch.h"
#include "common/ipset/ipset_types.h"

namespace kr::ipset {

struct IpsetSyncOptions {
  // Rebuild a changed set in a temporary set and swap it in, so packet matching never sees a
  // half-updated set (kube-router's approach); otherwise members are added/deleted in place.
  bool atomic_replace = false;
  // Create (and fill) new sets in order of decreasing size rather than in `desired` order.
  // libipset and the kernel find a set by name with a linear scan in creation order, once per
  // batch of members: with thousands of sets, filling the big ones first makes a bulk restore
  // markedly cheaper.
  bool largest_first = false;
};

// Two phases because iptables rules sit between them: sets must exist before rules reference
// them, and can only be destroyed after the rules referencing them are gone (else EBUSY).
struct IpsetSyncPlan {
  IpsetBatch before_rules;  // create sets, add/del members, swaps
  IpsetBatch after_rules;   // destroy sets no longer wanted

  bool empty() const { return before_rules.empty() && after_rules.empty(); }
};

// Temporary set name used by atomic replacement: keeps the owner prefix (so a crash leaves
// nothing a later sync cannot find and remove) and fits the kernel's name limit.
std::string TemporarySetName(std::string_view name);

// `desired` members must be canonical (CanonicalMember) and every desired name must start with
// `owner_prefix`. A set whose type or family changed is destroyed and recreated (the kernel
// cannot swap sets of different types); that fails with EBUSY while rules still use it, so
// callers that change types should use a new name.
IpsetSyncPlan PlanIpsetSync(const std::vector<SetContent>& desired,
                            const std::vector<SetContent>& observed, std::string_view owner_prefix,
                            const IpsetSyncOptions& options = {});

}  // namespace kr::ipset
