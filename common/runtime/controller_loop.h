// The seed's controller loop as a reusable piece: Run (a thread doing periodic full syncs)
// and OnUpdate (an event asks for a sync) around a Controller's Sync.
//
//   kr::ControllerLoop loop(ipvs_controller, kr::LoopOptions{.full_sync_period = 5min},
//                           kr::LoopHooks{
//                               .on_sync = [&](const kr::SyncReport& r) { /* log, metrics */ },
//                               .on_heartbeat = [&] { /* health registry: loop alive */ },
//                           });
//   loop.Start();                 // first a full sync, then per LoopOptions
//   bus.OnServiceChanged([&](...) { ipvs_controller.MarkDirty(...); loop.OnUpdate(); });
//   signals.token().Wait();
//   loop.Stop();                  // prompt: the running Sync sees its stop token
//
// Scheduling (see SyncScheduler): events are coalesced, at most one sync starts per
// min_sync_interval, and events that arrive during a sync or inside the interval produce
// exactly one following sync; a full sync runs every full_sync_period and also covers
// pending events; a failed sync is reported and retried after a bounded exponential backoff,
// and never ends the loop.
//
// Threading: Sync and both hooks run on the loop's own thread, never concurrently with each
// other. OnUpdate/RequestFullSync may be called from any thread (including from Sync or a
// hook) and never wait for a sync in progress. Start and Stop belong to the owner's thread.
// The controller and clock must outlive the loop.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "common/base/expected.h"
#include "common/runtime/clock.h"
#include "common/runtime/controller.h"
#include "common/runtime/loop_options.h"
#include "common/runtime/stop_token.h"
#include "common/runtime/sync_scheduler.h"

namespace kr {

struct SyncReport {
  SyncKind kind;
  Status status;
  Clock::Duration duration;
  int consecutive_failures;     // 0 after a success
  Clock::Duration retry_after;  // backoff before the retry; zero after a success
};

struct LoopHooks {
  // After every sync: logging and metrics.
  std::function<void(const SyncReport&)> on_sync;
  // After every sync (failed ones too: the loop is alive) and at least every
  // heartbeat_interval while idle; never during a sync, so a stuck sync misses heartbeats.
  std::function<void()> on_heartbeat;
};

class ControllerLoop {
 public:
  // Throws std::invalid_argument for bad options (start-up only).
  ControllerLoop(Controller& controller, LoopOptions options, LoopHooks hooks = {},
                 Clock& clock = SteadyClock());
  ~ControllerLoop();  // Stop()
  ControllerLoop(const ControllerLoop&) = delete;
  ControllerLoop& operator=(const ControllerLoop&) = delete;

  // Starts the loop thread (the seed's Run). Call once.
  void Start();

  // An event arrived: request an incremental sync (the seed's OnUpdate).
  void OnUpdate() { RequestSync(SyncKind::kIncremental); }
  void RequestFullSync() { RequestSync(SyncKind::kFull); }
  void RequestSync(SyncKind kind);

  // Requests stop, then waits for a running Sync (whose StopToken fires) to return; no sync
  // starts afterwards. Idempotent. From the loop thread itself it only requests the stop.
  void Stop();

 private:
  void Run();

  Controller& controller_;
  const LoopHooks hooks_;
  Clock& clock_;
  StopSource stop_;

  std::mutex mu_;
  std::condition_variable wake_;
  SyncScheduler scheduler_;  // guarded by mu_
  ClockWaker clock_waker_;   // after mu_ and wake_, which it uses

  std::thread thread_;
};

}  // namespace kr
