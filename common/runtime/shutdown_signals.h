// Orderly shutdown on SIGINT/SIGTERM: the signals become a process-wide stop request.
//
// MUST be constructed at the top of main, before any other thread starts (including threads
// started by libraries: ZeroMQ contexts, HTTP servers). It blocks SIGINT and SIGTERM in the
// calling thread, so every thread created later inherits the block and no thread is ever
// interrupted by them; one internal thread receives them through a signalfd instead and
// flips the stop state. SIGPIPE is ignored (a peer closing a socket is an error value from
// send(), not a process kill). The constructor throws std::logic_error if another thread
// already exists that does not block these signals.
//
//   int main(int argc, char** argv) {
//     kr::ShutdownSignals signals;            // first line of main
//     ... parse flags, build modules, start loops ...
//     signals.token().Wait();                 // until SIGINT/SIGTERM or RequestStop()
//     ... stop modules in reverse order ...
//   }
//
// A second SIGINT/SIGTERM after the first ends the process at once (exit status 128+signal),
// for an operator whose shutdown hangs. Only one instance may exist at a time. Its methods
// are thread-safe. The signals stay blocked after destruction (the process is ending).
#pragma once

#include <atomic>
#include <thread>

#include "common/runtime/stop_token.h"

namespace kr {

class ShutdownSignals {
 public:
  struct Options {
    bool exit_on_second_signal = true;
  };

  ShutdownSignals() : ShutdownSignals(Options{}) {}
  explicit ShutdownSignals(Options options);
  ~ShutdownSignals();
  ShutdownSignals(const ShutdownSignals&) = delete;
  ShutdownSignals& operator=(const ShutdownSignals&) = delete;

  StopToken token() const { return source_.token(); }
  bool stop_requested() const { return source_.stop_requested(); }

  // Programmatic stop, e.g. on a fatal error or in tests. Idempotent.
  void RequestStop() { source_.RequestStop(); }

  // The signal that requested the stop, or 0 when none did (yet, or RequestStop() was first).
  int stop_signal() const { return stop_signal_.load(); }

 private:
  void WaitForSignals();

  Options options_;
  StopSource source_;
  std::atomic<int> stop_signal_{0};
  int signal_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: tells the waiter thread to exit on destruction
  std::thread waiter_;
};

}  // namespace kr
