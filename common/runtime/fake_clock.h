// A Clock for tests: time stands still until the test calls Advance().
//
// Besides moving time, the fake clock tells the test when the code under test has run out of
// work: a thread that calls WaitUntil has done everything that was due at Now(). So a test
// never guesses with a real sleep:
//
//   FakeClock clock;
//   ControllerLoop loop(controller, options, hooks, clock);
//   auto sleeps = clock.sleeps();
//   loop.Start();
//   REQUIRE(clock.AwaitSleeper(sleeps));      // the first full sync is done, the loop idles
//   sleeps = clock.sleeps();
//   clock.Advance(options.full_sync_period);
//   REQUIRE(clock.AwaitSleeper(sleeps));      // the loop woke, synced, and idles again
//
// Thread-safe. AwaitSleeper is meant for tests with a single sleeping thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

#include "common/runtime/clock.h"

namespace kr {

class FakeClock final : public Clock {
 public:
  // Starts at an arbitrary, non-zero time so "never happened" (a default TimePoint) stays in
  // the past.
  explicit FakeClock(TimePoint start = TimePoint{} + std::chrono::hours(1000));

  TimePoint Now() const override;
  void WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                 TimePoint deadline) override;
  std::uint64_t AddWaker(std::function<void()> wake) override;
  void RemoveWaker(std::uint64_t id) override;

  // Moves time forward and wakes every sleeper so it re-checks its deadline.
  void Advance(Duration step);

  // How many times a thread has gone to sleep in WaitUntil so far.
  std::uint64_t sleeps() const;

  // Waits until a thread sleeps in WaitUntil after having entered it more than
  // `sleeps_before` times in total, i.e. it went idle after whatever the test just did.
  // `real_timeout` is only a guard against a hung test; returns false when it expires.
  bool AwaitSleeper(std::uint64_t sleeps_before,
                    std::chrono::milliseconds real_timeout = std::chrono::seconds(20));

 private:
  std::atomic<Duration::rep> now_;  // atomic so Now() never takes a lock a sleeper could need

  // Lock order: wakers_mu_ -> (a sleeper's mutex, taken by its waker) -> sleep_mu_.
  std::mutex wakers_mu_;
  std::map<std::uint64_t, std::function<void()>> wakers_;
  std::uint64_t next_waker_id_ = 1;

  mutable std::mutex sleep_mu_;
  std::condition_variable sleep_cv_;
  std::uint64_t sleeps_ = 0;    // WaitUntil entries that went to sleep
  std::uint64_t sleeping_ = 0;  // threads inside WaitUntil right now
};

}  // namespace kr
