// The klog line layout, as a pure function so tests can check it with a fixed clock.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/log/log.h"

namespace kr::log {

// "Lmmdd hh:mm:ss.uuuuuu threadid file:line] message\n", time in UTC, file reduced to its
// base name, threadid right-aligned in 7 columns (klog's layout).
std::string FormatLine(Severity severity, std::chrono::system_clock::time_point time,
                       long thread_id, std::string_view file, int line, std::string_view message);

// 'I', 'W', 'E' or 'F'.
char SeverityLetter(Severity severity);

}  // namespace kr::log
