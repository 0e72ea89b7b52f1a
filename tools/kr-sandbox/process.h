// Child processes for the node agent: run a program to completion with input and captured
// output (CNI plugins, `ip netns`), or start a long-running one (a pod's echo server) and
// stop it later by its pid. Programs are exec'd directly (no shell).
//
// Threading: functions are safe to call from any thread; a ChildProcess is owned by one.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/base/expected.h"

namespace kr::sandbox {

struct ProcessResult {
  int exit_status = -1;  // -1 when killed by a signal
  std::string out;
  std::string err;
};

// Runs argv with `env` (KEY=VALUE; empty: the caller's environment), `input` on stdin, and
// waits for it. The child is killed (SIGKILL) after `timeout`, which is an ETIMEDOUT error.
Expected<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                   const std::vector<std::string>& env, const std::string& input,
                                   std::chrono::milliseconds timeout);

// A started program; its stdout is a pipe the caller can read a first line from.
class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ~ChildProcess();  // stops the process (see Stop) if still running

  // stdin from /dev/null, stderr inherited, stdout a pipe.
  static Expected<ChildProcess> Start(const std::vector<std::string>& argv);

  // The first line written to stdout (without the newline), waiting up to `timeout`.
  // EPIPE when the program closed stdout or exited first.
  Expected<std::string> ReadLine(std::chrono::milliseconds timeout);

  // SIGTERM, then SIGKILL after `grace`; reaps the child. Idempotent.
  void Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));

  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
};

}  // namespace kr::sandbox
