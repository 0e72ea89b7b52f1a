// The decisions of ControllerLoop with no thread and no clock: which sync is due, when, and
// when the heartbeat is due. Pure state machine, fed with times by its caller.
//
//   SyncScheduler s(options, clock.Now());          // the first sync is a full one, due now
//   if (auto kind = s.DueSync(now)) {
//     s.SyncStarted(*kind, now);
//     ... run it ...
//     s.SyncFinished(*kind, ok, clock.Now());
//   } else {
//     sleep until s.NextWake() or until Request() is called
//   }
//
// Rules: a sync starts only when one is pending (requested, or the full period has elapsed),
// at least min_sync_interval after the previous start, and not before the backoff after a
// failure has elapsed. Requests made while a sync runs or while waiting merge into one
// pending sync; a full one satisfies incremental ones. A failed sync stays pending with its
// kind. Not thread-safe: ControllerLoop guards it with its mutex.
#pragma once

#include <optional>

#include "common/runtime/clock.h"
#include "common/runtime/controller.h"
#include "common/runtime/loop_options.h"

namespace kr {

class SyncScheduler {
 public:
  using TimePoint = Clock::TimePoint;
  using Duration = Clock::Duration;

  SyncScheduler(const LoopOptions& options, TimePoint start);

  void Request(SyncKind kind);

  // The sync to start at `now`, if one is pending and allowed to start.
  std::optional<SyncKind> DueSync(TimePoint now) const;
  bool HeartbeatDue(TimePoint now) const {
    return now >= last_heartbeat_ + options_.heartbeat_interval;
  }

  // When a sync or heartbeat next becomes due, assuming no new request.
  TimePoint NextWake() const;

  void SyncStarted(SyncKind kind, TimePoint now);
  // Returns the backoff before the retry when `ok` is false, zero otherwise.
  Duration SyncFinished(SyncKind kind, bool ok, TimePoint now);
  void HeartbeatSent(TimePoint now) { last_heartbeat_ = now; }

  int consecutive_failures() const { return failures_; }

 private:
  TimePoint EarliestStart() const;

  LoopOptions options_;
  bool pending_full_ = true;  // the first sync after start is a full one
  bool pending_incremental_ = false;
  std::optional<TimePoint> last_start_;
  TimePoint next_full_;
  std::optional<TimePoint> retry_at_;  // set while backing off after a failure
  int failures_ = 0;
  TimePoint last_heartbeat_;
};

}  // namespace kr
