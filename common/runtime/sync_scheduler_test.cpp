// The loop's decisions as a pure state machine: no threads, times given by the test.
#include "common/runtime/sync_scheduler.h"

#include <catch2/catch.hpp>

#include "common/runtime/backoff.h"

namespace kr {
namespace {

using namespace std::chrono_literals;
using TimePoint = Clock::TimePoint;

const TimePoint kStart = TimePoint{} + 1000h;

LoopOptions TestOptions() {
  LoopOptions options;
  options.min_sync_interval = 1s;
  options.full_sync_period = 60s;
  options.heartbeat_interval = 10s;
  options.initial_backoff = 2s;
  options.max_backoff = 8s;
  return options;
}

TEST_CASE("runtime_backoff doubles from initial and saturates at max") {
  CHECK(ExponentialBackoff(1s, 30s, 1) == 1s);
  CHECK(ExponentialBackoff(1s, 30s, 2) == 2s);
  CHECK(ExponentialBackoff(1s, 30s, 5) == 16s);
  CHECK(ExponentialBackoff(1s, 30s, 6) == 30s);
  CHECK(ExponentialBackoff(1s, 30s, 1000000) == 30s);
  CHECK(ExponentialBackoff(std::chrono::nanoseconds(3), std::chrono::nanoseconds::max(), 200) ==
        std::chrono::nanoseconds::max());
}

TEST_CASE("runtime_scheduler first sync is full and due at start") {
  SyncScheduler s(TestOptions(), kStart);
  REQUIRE(s.DueSync(kStart) == SyncKind::kFull);
}

TEST_CASE("runtime_scheduler coalesces requests and keeps the minimum interval") {
  SyncScheduler s(TestOptions(), kStart);
  s.SyncStarted(SyncKind::kFull, kStart);
  s.Request(SyncKind::kIncremental);  // arrives during the sync
  s.SyncFinished(SyncKind::kFull, true, kStart + 100ms);
  s.Request(SyncKind::kIncremental);
  s.Request(SyncKind::kIncremental);

  CHECK_FALSE(s.DueSync(kStart + 999ms).has_value());
  CHECK(s.NextWake() == kStart + 1s);
  REQUIRE(s.DueSync(kStart + 1s) == SyncKind::kIncremental);
  s.SyncStarted(SyncKind::kIncremental, kStart + 1s);
  s.SyncFinished(SyncKind::kIncremental, true, kStart + 1100ms);
  // All three requests were served by that one sync.
  CHECK_FALSE(s.DueSync(kStart + 5s).has_value());
}

TEST_CASE("runtime_scheduler full sync every period covers pending incremental requests") {
  SyncScheduler s(TestOptions(), kStart);
  s.SyncStarted(SyncKind::kFull, kStart);
  s.SyncFinished(SyncKind::kFull, true, kStart);
  s.HeartbeatSent(kStart);
  CHECK(s.NextWake() == kStart + 10s);  // heartbeat first
  s.HeartbeatSent(kStart + 55s);
  CHECK(s.NextWake() == kStart + 60s);  // then the periodic full sync
  CHECK_FALSE(s.DueSync(kStart + 59s).has_value());
  s.Request(SyncKind::kIncremental);
  s.Request(SyncKind::kFull);
  REQUIRE(s.DueSync(kStart + 59s) == SyncKind::kFull);
  s.SyncStarted(SyncKind::kFull, kStart + 59s);
  s.SyncFinished(SyncKind::kFull, true, kStart + 59s);
  CHECK_FALSE(s.DueSync(kStart + 118s).has_value());
  REQUIRE(s.DueSync(kStart + 119s) == SyncKind::kFull);
}

TEST_CASE("runtime_scheduler failed syncs are retried with exponential backoff") {
  SyncScheduler s(TestOptions(), kStart);
  TimePoint now = kStart;
  for (const auto expected : {2s, 4s, 8s, 8s}) {
    REQUIRE(s.DueSync(now) == SyncKind::kFull);
    s.SyncStarted(SyncKind::kFull, now);
    CHECK(s.SyncFinished(SyncKind::kFull, false, now) == expected);
    CHECK_FALSE(s.DueSync(now + expected - 1ms).has_value());
    now += expected;
  }
  CHECK(s.consecutive_failures() == 4);
  s.SyncStarted(SyncKind::kFull, now);
  CHECK(s.SyncFinished(SyncKind::kFull, true, now) == 0s);
  CHECK(s.consecutive_failures() == 0);

  // A failed incremental sync is retried as incremental, after the backoff.
  s.Request(SyncKind::kIncremental);
  now += 1s;
  REQUIRE(s.DueSync(now) == SyncKind::kIncremental);
  s.SyncStarted(SyncKind::kIncremental, now);
  CHECK(s.SyncFinished(SyncKind::kIncremental, false, now) == 2s);
  CHECK_FALSE(s.DueSync(now + 1s).has_value());
  CHECK(s.DueSync(now + 2s) == SyncKind::kIncremental);
}

TEST_CASE("runtime_scheduler rejects options it cannot honour") {
  LoopOptions options = TestOptions();
  options.heartbeat_interval = 0s;
  CHECK_THROWS_AS(SyncScheduler(options, kStart), std::invalid_argument);
  options = TestOptions();
  options.max_backoff = 1s;  // below initial_backoff
  CHECK_THROWS_AS(SyncScheduler(options, kStart), std::invalid_argument);
}

}  // namespace
}  // namespace kr
