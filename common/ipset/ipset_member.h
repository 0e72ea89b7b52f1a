// Canonical text of a set member, exactly as `ipset save` prints it back, so that desired and
// listed members compare equal as strings (a diff against the kernel is then exact).
#pragma once

#include <string>
#include <string_view>

#include "common/base/expected.h"
#include "common/ipset/ipset_types.h"

namespace kr::ipset {

// Accepted input, per type (addresses in any form inet_pton takes for the family):
//   hash:ip        "192.0.2.1"
//   hash:net       "192.0.2.0/24", "192.0.2.7" (a host); host bits are cleared
//   hash:ip,port   "192.0.2.1,80" (tcp implied), "192.0.2.1,udp:53", "2001:db8::1,sctp:9"
//   hash:net,port  "192.0.2.0/24,tcp:80"
// Output drops a full-length prefix and writes the protocol: "192.0.2.7", "192.0.2.1,tcp:80".
// Ranges ("192.0.2.1-192.0.2.9", "80-90") are rejected: the kernel would expand them into many
// members and the diff could no longer be exact. Errors carry EINVAL.
Expected<std::string> CanonicalMember(SetType type, Family family, std::string_view member);

// Whether libipset can parse `member` without looking anything up: the address part is an IPv4
// or IPv6 literal (optionally "/len") and a port part, if any, is "[proto:]number". libipset
// would otherwise try DNS for a host name and /etc/services for a port name.
bool IsNumericMember(std::string_view member);

}  // namespace kr::ipset
