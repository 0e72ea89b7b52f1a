// A stop request that threads can poll, sleep on with a timeout, or be called back on.
//
// Built on std::stop_source / std::stop_token, so a kr::StopToken also works with
// std::stop_callback and std::jthread. One StopSource is usually owned by ShutdownSignals
// (shutdown_signals.h) for the whole process; loops own their own for Stop().
//
//   void Worker(const kr::StopToken& stop) {
//     while (!stop.stop_requested()) {
//       DoSomeWork();
//       if (stop.WaitFor(std::chrono::seconds(1))) break;  // woken at once by RequestStop()
//     }
//   }
//
// Thread-safe; copies share the same state. The waits use the real steady clock.
#pragma once

#include <chrono>
#include <stop_token>

namespace kr {

class StopToken {
 public:
  using Clock = std::chrono::steady_clock;

  // A token that is never stopped (waits run to their timeout).
  StopToken() = default;
  explicit StopToken(std::stop_token token) : token_(std::move(token)) {}

  bool stop_requested() const { return token_.stop_requested(); }

  // Sleep until stop is requested or the time is up; return stop_requested().
  bool WaitFor(Clock::duration timeout) const { return WaitUntil(Clock::now() + timeout); }
  bool WaitUntil(Clock::time_point deadline) const;
  // Sleep until stop is requested (forever for a default token).
  void Wait() const;

  // For std::stop_callback, to wake a thread blocked on something other than this token.
  const std::stop_token& std_token() const { return token_; }

 private:
  std::stop_token token_;
};

class StopSource {
 public:
  StopToken token() const { return StopToken(source_.get_token()); }
  // Returns true for the call that made the request, false if it was already requested.
  bool RequestStop() { return source_.request_stop(); }
  bool stop_requested() const { return source_.stop_requested(); }

 private:
  std::stop_source source_;
};

}  // namespace kr
