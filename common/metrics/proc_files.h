// Parsers for the /proc files the process collector reads. Pure functions of the file text, so
// tests can feed them fixed contents.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/expected.h"

namespace kr::metrics {

// Fields of /proc/<pid>/stat, in clock ticks (sysconf(_SC_CLK_TCK)).
struct ProcStat {
  uint64_t utime_ticks = 0;
  uint64_t stime_ticks = 0;
  uint64_t start_time_ticks = 0;  // since boot
};

// /proc/<pid>/statm, in pages.
struct ProcStatm {
  uint64_t size_pages = 0;
  uint64_t resident_pages = 0;
};

// The command name in field 2 may hold spaces and parentheses; fields are counted after the
// last ')'.
Expected<ProcStat> ParseProcPidStat(std::string_view text);
Expected<ProcStatm> ParseProcStatm(std::string_view text);
// The "btime" line of /proc/stat: boot time in seconds since the Unix epoch.
Expected<uint64_t> ParseBootTime(std::string_view proc_stat_text);

// Whole file; Error carries errno and the path.
Expected<std::string> ReadSmallFile(const std::string& path);

}  // namespace kr::metrics
