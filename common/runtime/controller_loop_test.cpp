// The controller loop on its thread, driven by a FakeClock: every step waits until the loop
// is idle again (FakeClock::AwaitSleeper), so the counts checked are exact, not timing luck.
#include "common/runtime/controller_loop.h"

#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "common/runtime/fake_clock.h"

namespace kr {
namespace {

using namespace std::chrono_literals;
using Kinds = std::vector<SyncKind>;

constexpr auto kGuard = 20s;  // real-time guard against a hung test, never a synchronization

// Records syncs; can fail the next N syncs or hold the next sync until released or stopped.
class FakeController final : public Controller {
 public:
  Status Sync(SyncKind kind, const StopToken& stop) override {
    std::unique_lock lock(mu_);
    kinds_.push_back(kind);
    cv_.notify_all();
    if (hold_next_) {
      hold_next_ = false;
      holding_ = true;
      cv_.notify_all();
      std::stop_callback on_stop(stop.std_token(), [this] {
        std::lock_guard guard(mu_);
        cv_.notify_all();
      });
      saw_stop_ = cv_.wait_for(lock, kGuard, [&] { return released_ || stop.stop_requested(); }) &&
                  stop.stop_requested();
      holding_ = false;
      released_ = false;
    }
    if (during_sync_) {
      auto action = std::move(during_sync_);
      during_sync_ = nullptr;
      lock.unlock();
      action();
      lock.lock();
    }
    if (failures_left_ > 0) {
      --failures_left_;
      return Error{EIO, "injected failure"};
    }
    return Status::Ok();
  }

  Status Cleanup() override { return Status::Ok(); }

  Kinds kinds() {
    std::lock_guard guard(mu_);
    return kinds_;
  }
  void FailNext(int n) {
    std::lock_guard guard(mu_);
    failures_left_ = n;
  }
  void HoldNext() {
    std::lock_guard guard(mu_);
    hold_next_ = true;
  }
  bool AwaitHolding() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kGuard, [&] { return holding_; });
  }
  void Release() {
    std::lock_guard guard(mu_);
    released_ = true;
    cv_.notify_all();
  }
  bool AwaitSyncs(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kGuard, [&] { return kinds_.size() >= n; });
  }
  void DuringNextSync(std::function<void()> action) {
    std::lock_guard guard(mu_);
    during_sync_ = std::move(action);
  }
  bool saw_stop() {
    std::lock_guard guard(mu_);
    return saw_stop_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  Kinds kinds_;
  int failures_left_ = 0;
  bool hold_next_ = false;
  bool holding_ = false;
  bool released_ = false;
  bool saw_stop_ = false;
  std::function<void()> during_sync_;
};

// What the hooks saw, written on the loop thread.
class HookRecorder {
 public:
  LoopHooks Hooks() {
    return LoopHooks{
        .on_sync =
            [this](const SyncReport& report) {
              std::lock_guard guard(mu_);
              reports_.push_back(report);
            },
        .on_heartbeat =
            [this] {
              std::lock_guard guard(mu_);
              ++heartbeats_;
            },
    };
  }
  int heartbeats() {
    std::lock_guard guard(mu_);
    return heartbeats_;
  }
  std::vector<SyncReport> reports() {
    std::lock_guard guard(mu_);
    return reports_;
  }

 private:
  std::mutex mu_;
  int heartbeats_ = 0;
  std::vector<SyncReport> reports_;
};

LoopOptions TestOptions() {
  LoopOptions options;
  options.min_sync_interval = 1s;
  options.full_sync_period = 1h;
  options.heartbeat_interval = 1h;
  options.initial_backoff = 2s;
  options.max_backoff = 8s;
  return options;
}

// Runs `action` and waits until the loop has done everything it caused and sleeps again.
template <typename Action>
void Settle(FakeClock& clock, Action&& action) {
  const auto sleeps = clock.sleeps();
  action();
  REQUIRE(clock.AwaitSleeper(sleeps));
}

struct LoopFixture {
  explicit LoopFixture(LoopOptions options = TestOptions())
      : loop(controller, options, hooks.Hooks(), clock) {
    Settle(clock, [&] { loop.Start(); });
  }
  void Advance(Clock::Duration step) {
    Settle(clock, [&] { clock.Advance(step); });
  }
  void OnUpdate() {
    Settle(clock, [&] { loop.OnUpdate(); });
  }

  FakeClock clock;
  FakeController controller;
  HookRecorder hooks;
  ControllerLoop loop;
};

TEST_CASE("runtime_loop starts with one full sync") {
  LoopFixture f;
  CHECK(f.controller.kinds() == Kinds{SyncKind::kFull});
  f.Advance(10min);
  CHECK(f.controller.kinds() == Kinds{SyncKind::kFull});
}

TEST_CASE("runtime_loop events during one sync produce exactly one following sync") {
  LoopFixture f;
  f.Advance(5s);
  f.controller.HoldNext();
  f.loop.OnUpdate();
  REQUIRE(f.controller.AwaitHolding());
  for (int i = 0; i < 10; ++i) f.loop.OnUpdate();  // never blocks on the sync in progress
  Settle(f.clock, [&] { f.controller.Release(); });
  // The next sync waits for the minimum interval from the held sync's start.
  CHECK(f.controller.kinds() == Kinds{SyncKind::kFull, SyncKind::kIncremental});
  f.Advance(1s);
  CHECK(f.controller.kinds() ==
        Kinds{SyncKind::kFull, SyncKind::kIncremental, SyncKind::kIncremental});
  f.Advance(30min);
  CHECK(f.controller.kinds().size() == 3);
}

TEST_CASE("runtime_loop respects the minimum sync interval") {
  LoopFixture f;
  f.OnUpdate();  // at the full sync's start time: must wait
  f.OnUpdate();
  CHECK(f.controller.kinds().size() == 1);
  f.Advance(999ms);
  CHECK(f.controller.kinds().size() == 1);
  f.Advance(1ms);
  CHECK(f.controller.kinds() == Kinds{SyncKind::kFull, SyncKind::kIncremental});
  f.OnUpdate();
  f.Advance(500ms);
  CHECK(f.controller.kinds().size() == 2);
  f.Advance(500ms);
  CHECK(f.controller.kinds().size() == 3);
}

TEST_CASE("runtime_loop runs a full sync every period, covering pending events") {
  LoopOptions options = TestOptions();
  options.full_sync_period = 60s;
  LoopFixture f(options);
  f.Advance(59s);
  CHECK(f.controller.kinds().size() == 1);
  f.Advance(1s);
  CHECK(f.controller.kinds() == Kinds{SyncKind::kFull, SyncKind::kFull});

  f.OnUpdate();  // both inside the minimum interval: coalesced into one full sync
  Settle(f.clock, [&] { f.loop.RequestFullSync(); });
  f.Advance(1s);
  CHECK(f.controller.kinds() == Kinds{SyncKind::kFull, SyncKind::kFull, SyncKind::kFull});
  f.Advance(5s);
  CHECK(f.controller.kinds().size() == 3);

  // The period restarts from the last full sync (61 s after the start).
  f.Advance(54s);
  CHECK(f.controller.kinds().size() == 3);
  f.Advance(1s);
  CHECK(f.controller.kinds().size() == 4);
  CHECK(f.controller.kinds().back() == SyncKind::kFull);
}

TEST_CASE("runtime_loop retries failed syncs with bounded exponential backoff") {
  FakeClock clock;
  FakeController controller;
  HookRecorder hooks;
  controller.FailNext(4);
  ControllerLoop loop(controller, TestOptions(), hooks.Hooks(), clock);
  Settle(clock, [&] { loop.Start(); });
  const auto advance = [&](Clock::Duration step) { Settle(clock, [&] { clock.Advance(step); }); };

  for (const auto backoff : {2s, 4s, 8s}) {
    const size_t before = controller.kinds().size();
    advance(backoff - 1ms);
    CHECK(controller.kinds().size() == before);
    advance(1ms);
    CHECK(controller.kinds().size() == before + 1);
  }
  advance(8s);  // capped at max_backoff; this fifth attempt succeeds
  CHECK(controller.kinds() == Kinds(5, SyncKind::kFull));

  const auto reports = hooks.reports();
  REQUIRE(reports.size() == 5);
  const std::vector<Clock::Duration> retries = {2s, 4s, 8s, 8s};
  for (size_t i = 0; i < 4; ++i) {
    CHECK_FALSE(reports[i].status.ok());
    CHECK(reports[i].status.error().code == EIO);
    CHECK(reports[i].consecutive_failures == static_cast<int>(i + 1));
    CHECK(reports[i].retry_after == retries[i]);
  }
  CHECK(reports[4].status.ok());
  CHECK(reports[4].consecutive_failures == 0);
  CHECK(hooks.heartbeats() == 5);  // failed syncs still prove the loop is alive

  // A failed incremental sync is retried as incremental; the loop keeps going.
  controller.FailNext(1);
  Settle(clock, [&] { loop.OnUpdate(); });
  advance(1s);
  advance(2s);
  CHECK(controller.kinds().size() == 7);
  CHECK(controller.kinds()[5] == SyncKind::kIncremental);
  CHECK(controller.kinds()[6] == SyncKind::kIncremental);
  CHECK(hooks.reports().back().status.ok());
}

TEST_CASE("runtime_loop stop while syncing is prompt and starts no further sync") {
  LoopFixture f;
  f.Advance(1s);
  f.controller.HoldNext();
  f.loop.OnUpdate();
  REQUIRE(f.controller.AwaitHolding());
  f.loop.OnUpdate();    // pending when the stop comes
  f.clock.Advance(1h);  // the full sync is due too
  f.loop.Stop();        // returns once the held Sync has seen its stop token
  CHECK(f.controller.saw_stop());
  CHECK(f.controller.kinds() == Kinds{SyncKind::kFull, SyncKind::kIncremental});
  f.clock.Advance(2h);
  f.loop.OnUpdate();
  f.loop.Stop();  // idempotent
  CHECK(f.controller.kinds().size() == 2);
}

TEST_CASE("runtime_loop heartbeats after every sync and while idle, not during a sync") {
  LoopOptions options = TestOptions();
  options.heartbeat_interval = 10s;
  LoopFixture f(options);
  CHECK(f.hooks.heartbeats() == 1);  // after the first sync
  f.Advance(9s);
  CHECK(f.hooks.heartbeats() == 1);
  f.Advance(1s);
  CHECK(f.hooks.heartbeats() == 2);
  f.Advance(10s);
  CHECK(f.hooks.heartbeats() == 3);
  f.OnUpdate();
  CHECK(f.hooks.heartbeats() == 4);  // the sync's
  f.Advance(9s);
  CHECK(f.hooks.heartbeats() == 4);  // the idle interval restarted at that sync

  f.controller.HoldNext();
  f.loop.OnUpdate();
  REQUIRE(f.controller.AwaitHolding());
  f.clock.Advance(1min);  // a stuck sync: no heartbeat may be sent meanwhile
  CHECK(f.hooks.heartbeats() == 4);
  Settle(f.clock, [&] { f.controller.Release(); });
  CHECK(f.hooks.heartbeats() == 5);
}

TEST_CASE("runtime_loop accepts requests from inside Sync") {
  LoopFixture f;
  f.controller.DuringNextSync([&] { f.loop.OnUpdate(); });
  f.Advance(1h);  // periodic full sync, which requests another sync
  CHECK(f.controller.kinds().size() == 2);
  f.Advance(1s);
  CHECK(f.controller.kinds() == Kinds{SyncKind::kFull, SyncKind::kFull, SyncKind::kIncremental});
}

TEST_CASE("runtime_loop stopped before it starts never syncs") {
  FakeClock clock;
  FakeController controller;
  ControllerLoop loop(controller, TestOptions(), {}, clock);
  loop.Stop();
  loop.Start();
  loop.Stop();
  CHECK(controller.kinds().empty());
}

TEST_CASE("runtime_loop runs on the real steady clock") {
  FakeController controller;
  LoopOptions options = TestOptions();
  options.min_sync_interval = 1ms;
  ControllerLoop loop(controller, options);
  loop.Start();
  REQUIRE(controller.AwaitSyncs(1));
  loop.OnUpdate();
  REQUIRE(controller.AwaitSyncs(2));
  loop.Stop();
  CHECK(controller.kinds() == Kinds{SyncKind::kFull, SyncKind::kIncremental});
}

}  // namespace
}  // namespace kr
