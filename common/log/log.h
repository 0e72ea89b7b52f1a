// Leveled, thread-safe log lines in klog's format.
//
//   #include "common/log/log.h"
//
//   KR_LOG(INFO) << "synced " << n << " services in " << ms << "ms";
//   KR_LOG(WARNING) << "endpoint " << name << " has no ready address, skipped";
//   KR_LOG(ERROR) << "ipvs add service: " << status.error().message;
//   KR_VLOG(2) << "delta: " << diff.ToString();   // ToString() runs only when -v >= 2
//   KR_CHECK(fd >= 0) << "socket not opened";      // broken invariant: log FATAL, abort
//   KR_LOG(FATAL) << "unreachable state " << s;   // logs, then std::abort()
//
// Each line reads
//
//   Lmmdd hh:mm:ss.uuuuuu threadid file:line] message
//
// where L is I, W, E or F, the time is UTC (so lines from the four daemons on one node sort
// together whatever the container's time zone), threadid is the kernel thread id (gettid)
// right-aligned in 7 columns, and file is the source file's base name. A message that holds
// newlines stays one log record (one write).
//
// Threading: every function and macro here may be used from any thread. A line is built in
// the calling thread and handed to the sink whole, under one process-wide mutex, so lines
// from different threads never interleave; the default sink writes each line to stderr with a
// single write(2).
//
// FATAL is for broken invariants only (architecture.md, "Errors"): run-time failures are
// values (kr::Expected / kr::Status) and are logged at ERROR or WARNING.
#pragma once

#include <atomic>
#include <functional>
#include <sstream>
#include <string>
#include <string_view>

namespace kr::log {

enum class Severity { kInfo, kWarning, kError, kFatal };

// -v: KR_VLOG(n) lines are written when n <= Verbosity(). Starts at 0.
void SetVerbosity(int level);
int Verbosity();

// Receives each complete line, ending in '\n'. Called with the log mutex held: a sink must
// not log itself, and should be quick.
using Sink = std::function<void(std::string_view line)>;

// Replaces the sink for all threads; an empty Sink restores the default (stderr).
// Returns the previous sink (empty when it was the default), so tests can restore it.
Sink SetSink(Sink sink);

// A sink writing each line to fd with one write(2) (retried only on EINTR/partial write).
// The fd stays owned by the caller and must outlive the sink's use.
Sink FdSink(int fd);

namespace internal {

inline std::atomic<int> verbosity{0};

inline bool VlogIsOn(int level) {
  return level <= verbosity.load(std::memory_order_relaxed);
}

// One log record: collects the message, formats and emits the line in its destructor.
class LogMessage {
 public:
  LogMessage(const char* file, int line, Severity severity);
  ~LogMessage();
  LogMessage(const LogMessage&) = delete;
  LogMessage& operator=(const LogMessage&) = delete;

  std::ostream& stream() { return stream_; }

 private:
  const char* file_;
  int line_;
  Severity severity_;
  std::ostringstream stream_;
};

// Lets a disabled KR_VLOG be an expression of type void: `cond ? (void)0 : Voidify() & s`.
struct Voidify {
  void operator&(std::ostream&) {}
};

}  // namespace internal
}  // namespace kr::log

#define KR_LOG_INFO ::kr::log::internal::LogMessage(__FILE__, __LINE__, ::kr::log::Severity::kInfo)
#define KR_LOG_WARNING \
  ::kr::log::internal::LogMessage(__FILE__, __LINE__, ::kr::log::Severity::kWarning)
#define KR_LOG_ERROR \
  ::kr::log::internal::LogMessage(__FILE__, __LINE__, ::kr::log::Severity::kError)
#define KR_LOG_FATAL \
  ::kr::log::internal::LogMessage(__FILE__, __LINE__, ::kr::log::Severity::kFatal)

// KR_LOG(INFO|WARNING|ERROR|FATAL) << ...; FATAL aborts after the line is written.
#define KR_LOG(severity) KR_LOG_##severity.stream()

// True when KR_VLOG(level) would write; for work that is not a stream argument.
#define KR_VLOG_IS_ON(level) (::kr::log::internal::VlogIsOn(level))

// An INFO line written only when level <= Verbosity(). When it is not, the stream arguments
// are not evaluated (nothing is formatted). Safe in an unbraced if/else.
#define KR_VLOG(level) \
  !KR_VLOG_IS_ON(level) ? (void)0 : ::kr::log::internal::Voidify() & KR_LOG_INFO.stream()

// Aborts with a FATAL line "Check failed: <condition> <message>" when condition is false.
// For broken invariants only; the stream arguments are evaluated only on failure.
#define KR_CHECK(condition) \
  (condition)               \
      ? (void)0             \
      : ::kr::log::internal::Voidify() & KR_LOG_FATAL.stream() << "Check failed: " #condition " "
