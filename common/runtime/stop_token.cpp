#include "common/runtime/stop_token.h"

#include <condition_variable>
#include <mutex>

namespace kr {
namespace {

// Runs `wait` with a flag and condition variable that a stop request sets and notifies.
template <typename WaitFn>
bool SleepUntilStopped(const std::stop_token& token, WaitFn wait) {
  std::mutex mu;
  std::condition_variable cv;
  bool stopped = false;
  // Runs at once, on this thread, if stop was already requested.
  std::stop_callback on_stop(token, [&] {
    std::lock_guard guard(mu);
    stopped = true;
    cv.notify_all();
  });
  std::unique_lock lock(mu);
  return wait(lock, cv, stopped);
}

}  // namespace

bool StopToken::WaitUntil(Clock::time_point deadline) const {
  return SleepUntilStopped(token_, [&](std::unique_lock<std::mutex>& lock,
                                       std::condition_variable& cv, const bool& stopped) {
    return cv.wait_until(lock, deadline, [&] { return stopped; });
  });
}

void StopToken::Wait() const {
  SleepUntilStopped(token_, [](std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                               const bool& stopped) {
    cv.wait(lock, [&] { return stopped; });
    return true;
  });
}

}  // namespace kr
