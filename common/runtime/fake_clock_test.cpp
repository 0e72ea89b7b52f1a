#include "common/runtime/fake_clock.h"

#include <catch2/catch.hpp>
#include <thread>

namespace kr {
namespace {

using namespace std::chrono_literals;

TEST_CASE("runtime_fake_clock moves only when advanced") {
  FakeClock clock;
  const auto start = clock.Now();
  CHECK(clock.Now() == start);
  clock.Advance(1500ms);
  CHECK(clock.Now() - start == 1500ms);
}

TEST_CASE("runtime_fake_clock Advance wakes a sleeper at its deadline, not before") {
  FakeClock clock;
  std::mutex mu;
  std::condition_variable cv;
  ClockWaker waker(clock, [&] {
    std::lock_guard guard(mu);
    cv.notify_all();
  });
  const auto deadline = clock.Now() + 5s;
  int wakeups = 0;
  std::thread sleeper([&] {
    std::unique_lock lock(mu);
    while (clock.Now() < deadline) {
      clock.WaitUntil(lock, cv, deadline);
      ++wakeups;
    }
  });
  REQUIRE(clock.AwaitSleeper(0));
  auto sleeps = clock.sleeps();
  clock.Advance(4s);
  REQUIRE(clock.AwaitSleeper(sleeps));  // woke, saw 4 s < 5 s, slept again
  clock.Advance(1s);
  sleeper.join();
  CHECK(wakeups == 2);
  CHECK(clock.sleeps() == 2);
}

TEST_CASE("runtime_fake_clock AwaitSleeper reports when nobody goes to sleep") {
  FakeClock clock;
  CHECK_FALSE(clock.AwaitSleeper(0, 10ms));
}

TEST_CASE("runtime_fake_clock WaitUntil returns at once for a past deadline") {
  FakeClock clock;
  std::mutex mu;
  std::condition_variable cv;
  std::unique_lock lock(mu);
  clock.WaitUntil(lock, cv, clock.Now());
  SteadyClock().WaitUntil(lock, cv, SteadyClock().Now() - 1s);
  CHECK(clock.sleeps() == 0);
}

}  // namespace
}  // namespace kr
