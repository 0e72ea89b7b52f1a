// rtnetlink messages for policy routing rules (RTM_NEWRULE, RTM_DELRULE, RTM_GETRULE): pure
// functions over byte buffers, like route_codec.h, so unit tests check the exact bytes.
#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "common/base/expected.h"
#include "common/route/rule_types.h"

namespace kr::route {

// RTM_NEWRULE (add: CREATE|EXCL) or RTM_DELRULE with NLM_F_ACK. A delete names the same
// attributes as the add, so the kernel removes only a rule equal in priority, mark, mask and
// table. EINVAL for a family other than AF_INET/AF_INET6, or a rule with other_selectors
// (this codec cannot express them).
Expected<std::vector<uint8_t>> BuildRuleRequest(bool add, const Rule& rule);

// RTM_GETRULE dump of one family.
std::vector<uint8_t> BuildRuleDumpRequest(int family);

// One RTM_NEWRULE message of a dump; nullopt for another family. EINVAL when malformed.
Expected<std::optional<Rule>> ParseRuleMessage(const nlmsghdr* message);

}  // namespace kr::route
