// Pod CIDR allocation for nodes, as kube-controller-manager's range allocator does with
// --allocate-node-cidrs: each node gets the next free block of --node-cidr-mask-size bits
// from --cluster-cidr. IPv4 only. Pure functions.
#pragma once

#include <set>
#include <string>

#include "common/base/expected.h"

namespace kr::sandbox {

// The lowest block of prefix length `mask` inside `cluster_cidr` that is not in `used`
// (CIDR strings as written by NextPodCidr). ENOSPC when the range is exhausted; EINVAL for
// a bad cluster CIDR or a mask shorter than its prefix or longer than 32.
Expected<std::string> NextPodCidr(const std::string& cluster_cidr, int mask,
                                  const std::set<std::string>& used);

}  // namespace kr::sandbox
