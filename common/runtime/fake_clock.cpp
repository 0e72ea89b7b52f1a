#include "common/runtime/fake_clock.h"

namespace kr {

FakeClock::FakeClock(TimePoint start) : now_(start.time_since_epoch().count()) {}

Clock::TimePoint FakeClock::Now() const {
  return TimePoint(Duration(now_.load()));
}

void FakeClock::WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                          TimePoint deadline) {
  if (Now() >= deadline) return;
  {
    std::lock_guard guard(sleep_mu_);
    ++sleeps_;
    ++sleeping_;
  }
  sleep_cv_.notify_all();
  // No lost wake-up: Advance stores the new time before its wakers take the caller's mutex,
  // which the caller holds from its last look at the time until wait() releases it.
  cv.wait(lock);
  std::lock_guard guard(sleep_mu_);
  --sleeping_;
}

std::uint64_t FakeClock::AddWaker(std::function<void()> wake) {
  std::lock_guard guard(wakers_mu_);
  const std::uint64_t id = next_waker_id_++;
  wakers_.emplace(id, std::move(wake));
  return id;
}

void FakeClock::RemoveWaker(std::uint64_t id) {
  std::lock_guard guard(wakers_mu_);
  wakers_.erase(id);
}

void FakeClock::Advance(Duration step) {
  now_.fetch_add(step.count());
  std::lock_guard guard(wakers_mu_);
  for (auto& [id, wake] : wakers_) wake();
}

std::uint64_t FakeClock::sleeps() const {
  std::lock_guard guard(sleep_mu_);
  return sleeps_;
}

bool FakeClock::AwaitSleeper(std::uint64_t sleeps_before, std::chrono::milliseconds real_timeout) {
  std::unique_lock lock(sleep_mu_);
  return sleep_cv_.wait_for(lock, real_timeout,
                            [&] { return sleeps_ > sleeps_before && sleeping_ > 0; });
}

}  // namespace kr
