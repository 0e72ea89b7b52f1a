#include "common/log/log.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <utility>

#include "common/log/line_format.h"

namespace kr::log {
namespace {

// One mutex for the sink and for every emitted line: lines never interleave, and a sink
// being replaced is never in use.
std::mutex& EmitMutex() {
  static std::mutex mu;
  return mu;
}

Sink& CurrentSink() {
  static Sink sink;  // empty = default (stderr)
  return sink;
}

void WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere left to report a failing log fd
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

long ThreadId() {
  thread_local const long tid = static_cast<long>(::gettid());
  return tid;
}

void Emit(std::string_view line) {
  std::lock_guard lock(EmitMutex());
  if (const Sink& sink = CurrentSink()) {
    sink(line);
  } else {
    WriteAll(STDERR_FILENO, line);
  }
}

}  // namespace

void SetVerbosity(int level) {
  internal::verbosity.store(level, std::memory_order_relaxed);
}

int Verbosity() {
  return internal::verbosity.load(std::memory_order_relaxed);
}

Sink SetSink(Sink sink) {
  std::lock_guard lock(EmitMutex());
  return std::exchange(CurrentSink(), std::move(sink));
}

Sink FdSink(int fd) {
  return [fd](std::string_view line) { WriteAll(fd, line); };
}

namespace internal {

LogMessage::LogMessage(const char* file, int line, Severity severity)
    : file_(file), line_(line), severity_(severity) {}

LogMessage::~LogMessage() {
  Emit(FormatLine(severity_, std::chrono::system_clock::now(), ThreadId(), file_, line_,
                  stream_.view()));
  if (severity_ == Severity::kFatal) std::abort();
}

}  // namespace internal
}  // namespace kr::log
