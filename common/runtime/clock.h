// A clock that sleepers can be woken on, so timed logic can be tested with a fake clock.
//
// Production code takes a `Clock&` and uses SteadyClock(); tests pass a FakeClock
// (fake_clock.h) and move time by hand, so coalescing, periodic and backoff behaviour is
// tested without real sleeps and cannot flake.
//
//   std::mutex mu;
//   std::condition_variable cv;
//   Clock& clock = SteadyClock();
//   std::unique_lock lock(mu);
//   while (!ready) clock.WaitUntil(lock, cv, clock.Now() + std::chrono::seconds(5));
//
// A sleeper that a fake clock must wake also registers a waker (see AddWaker), because a fake
// clock's time moves without the condition variable ever timing out.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>

namespace kr {

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using Duration = std::chrono::steady_clock::duration;

  virtual ~Clock() = default;

  // Monotonic time. Thread-safe.
  virtual TimePoint Now() const = 0;

  // Blocks (releasing `lock`, which must hold the mutex that guards the caller's state) until
  // `cv` is notified or Now() reaches `deadline`. May return early (spurious wake-up): callers
  // re-check their state in a loop, as with std::condition_variable.
  virtual void WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                         TimePoint deadline) = 0;

  // Registers `wake`, called (on the thread that moves time) whenever Now() jumps in a way a
  // sleeping WaitUntil cannot notice by itself; `wake` must lock the sleeper's mutex and notify
  // its condition variable. Real clocks never call it. RemoveWaker returns only once no call
  // of that waker is running, so the sleeper may then be destroyed.
  virtual std::uint64_t AddWaker(std::function<void()> wake) = 0;
  virtual void RemoveWaker(std::uint64_t id) = 0;
};

// The process-wide std::chrono::steady_clock.
Clock& SteadyClock();

// Keeps a waker registered for the lifetime of its owner.
class ClockWaker {
 public:
  ClockWaker(Clock& clock, std::function<void()> wake)
      : clock_(clock), id_(clock.AddWaker(std::move(wake))) {}
  ~ClockWaker() { clock_.RemoveWaker(id_); }
  ClockWaker(const ClockWaker&) = delete;
  ClockWaker& operator=(const ClockWaker&) = delete;

 private:
  Clock& clock_;
  std::uint64_t id_;
};

}  // namespace kr
