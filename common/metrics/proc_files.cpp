#include "common/metrics/proc_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <vector>

namespace kr::metrics {
namespace {

std::vector<std::string_view> SplitSpaces(std::string_view text) {
  std::vector<std::string_view> fields;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t start = text.find_first_not_of(" \n\t", pos);
    if (start == std::string_view::npos) break;
    size_t end = text.find_first_of(" \n\t", start);
    if (end == std::string_view::npos) end = text.size();
    fields.push_back(text.substr(start, end - start));
    pos = end;
  }
  return fields;
}

bool ParseUint(std::string_view text, uint64_t& value) {
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

Error Malformed(const char* what) {
  return Error{EINVAL, std::string("malformed ") + what};
}

}  // namespace

Expected<ProcStat> ParseProcPidStat(std::string_view text) {
  const size_t close = text.rfind(')');
  if (close == std::string_view::npos) return Malformed("/proc/pid/stat: no ')'");
  // After ')': field 3 (state) is index 0, so field N is index N - 3.
  const std::vector<std::string_view> fields = SplitSpaces(text.substr(close + 1));
  constexpr size_t kUtime = 14 - 3, kStime = 15 - 3, kStartTime = 22 - 3;
  ProcStat stat;
  if (fields.size() <= kStartTime || !ParseUint(fields[kUtime], stat.utime_ticks) ||
      !ParseUint(fields[kStime], stat.stime_ticks) ||
      !ParseUint(fields[kStartTime], stat.start_time_ticks)) {
    return Malformed("/proc/pid/stat");
  }
  return stat;
}

Expected<ProcStatm> ParseProcStatm(std::string_view text) {
  const std::vector<std::string_view> fields = SplitSpaces(text);
  ProcStatm statm;
  if (fields.size() < 2 || !ParseUint(fields[0], statm.size_pages) ||
      !ParseUint(fields[1], statm.resident_pages)) {
    return Malformed("/proc/pid/statm");
  }
  return statm;
}

Expected<uint64_t> ParseBootTime(std::string_view proc_stat_text) {
  size_t pos = 0;
  while (pos < proc_stat_text.size()) {
    size_t end = proc_stat_text.find('\n', pos);
    if (end == std::string_view::npos) end = proc_stat_text.size();
    const std::vector<std::string_view> fields = SplitSpaces(proc_stat_text.substr(pos, end - pos));
    uint64_t boot_time = 0;
    if (fields.size() == 2 && fields[0] == "btime" && ParseUint(fields[1], boot_time)) {
      return boot_time;
    }
    pos = end + 1;
  }
  return Malformed("/proc/stat: no btime line");
}

Expected<std::string> ReadSmallFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error::FromErrno(errno, "open " + path);
  std::string content;
  char buffer[4096];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return Error::FromErrno(err, "read " + path);
    }
    if (n == 0) break;
    content.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return content;
}

}  // namespace kr::metrics
