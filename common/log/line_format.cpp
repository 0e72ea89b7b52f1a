#include "common/log/line_format.h"

#include <cstdio>
#include <ctime>

namespace kr::log {

char SeverityLetter(Severity severity) {
  switch (severity) {
    case Severity::kInfo:
      return 'I';
    case Severity::kWarning:
      return 'W';
    case Severity::kError:
      return 'E';
    case Severity::kFatal:
      return 'F';
  }
  return '?';
}

std::string FormatLine(Severity severity, std::chrono::system_clock::time_point time,
                       long thread_id, std::string_view file, int line, std::string_view message) {
  using std::chrono::duration_cast;
  using std::chrono::microseconds;
  using std::chrono::seconds;

  const auto since_epoch = time.time_since_epoch();
  auto whole_seconds = duration_cast<seconds>(since_epoch);
  auto micros = duration_cast<microseconds>(since_epoch - whole_seconds).count();
  if (micros < 0) {  // times before 1970 round toward the earlier second
    whole_seconds -= seconds(1);
    micros += 1000000;
  }
  const std::time_t t = whole_seconds.count();
  std::tm utc{};
  gmtime_r(&t, &utc);

  if (const auto slash = file.rfind('/'); slash != std::string_view::npos) {
    file.remove_prefix(slash + 1);
  }

  char header[64];
  const int n = std::snprintf(header, sizeof header, "%c%02d%02d %02d:%02d:%02d.%06ld %7ld ",
                              SeverityLetter(severity), utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                              utc.tm_min, utc.tm_sec, static_cast<long>(micros), thread_id);
  std::string out;
  out.reserve(static_cast<size_t>(n) + file.size() + message.size() + 16);
  out.append(header, static_cast<size_t>(n));
  out.append(file);
  out.push_back(':');
  out.append(std::to_string(line));
  out.append("] ");
  out.append(message);
  out.push_back('\n');
  return out;
}

}  // namespace kr::log
