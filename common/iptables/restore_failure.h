// Turns a failed iptables-restore run into an Error that says which payload line failed.
#pragma once

#include <optional>
#include <string_view>

#include "common/base/expected.h"

namespace kr::iptables {

// Both backends print "Error occurred at line: N"; some versions print "line N failed".
std::optional<int> FailedRestoreLine(std::string_view stderr_text);

// Error code: EAGAIN when another process holds the xtables lock (exit status 4, resource
// problem), EINVAL otherwise (the payload was refused). The message quotes the failing line
// of `payload` and the tool's first stderr line.
Error RestoreError(std::string_view tool, int exit_code, std::string_view stderr_text,
                   std::string_view payload);

}  // namespace kr::iptables
