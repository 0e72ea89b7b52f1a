#include "common/runtime/clock.h"

namespace kr {
namespace {

class SteadyClockImpl final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }

  void WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                 TimePoint deadline) override {
    cv.wait_until(lock, deadline);
  }

  // Real time never jumps, so there is never anyone to wake.
  std::uint64_t AddWaker(std::function<void()>) override { return 0; }
  void RemoveWaker(std::uint64_t) override {}
};

}  // namespace

Clock& SteadyClock() {
  static SteadyClockImpl clock;
  return clock;
}

}  // namespace kr
