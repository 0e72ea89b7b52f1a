// Helpers for the BGP interop tests: a peer daemon started inside a test namespace and
// stopped by its pid, a scratch directory, and polling with a deadline.
//
// Daemon forks `ip netns exec <ns> argv...` (which execs argv in place, so the pid is the
// daemon's own) with output to a log file; the destructor sends SIGTERM, waits up to 5 s,
// then SIGKILL, and reaps it, also when the test failed by throwing.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "test/support/netns.h"
#include "test/support/temp_dir.h"

namespace kr::test {

class Daemon {
 public:
  Daemon(const NetNs& ns, const std::vector<std::string>& argv, const std::string& log_path);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;
  pid_t pid() const { return pid_; }
  bool running();  // not exited yet

 private:
  pid_t pid_ = -1;
};

// Calls `done` every 100 ms until it returns true or `timeout` passes; returns its last result.
bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout);

}  // namespace kr::test
