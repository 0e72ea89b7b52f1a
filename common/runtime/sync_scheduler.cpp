#include "common/runtime/sync_scheduler.h"

#include <algorithm>

#include "common/runtime/backoff.h"

namespace kr {

SyncScheduler::SyncScheduler(const LoopOptions& options, TimePoint start)
    : options_(options), next_full_(start), last_heartbeat_(start) {
  options_.Validate();
}

void SyncScheduler::Request(SyncKind kind) {
  if (kind == SyncKind::kFull) {
    pending_full_ = true;
  } else {
    pending_incremental_ = true;
  }
}

Clock::TimePoint SyncScheduler::EarliestStart() const {
  TimePoint earliest = TimePoint::min();
  if (last_start_) earliest = *last_start_ + options_.min_sync_interval;
  if (retry_at_) earliest = std::max(earliest, *retry_at_);
  return earliest;
}

std::optional<SyncKind> SyncScheduler::DueSync(TimePoint now) const {
  const bool full = pending_full_ || now >= next_full_;
  if (!full && !pending_incremental_) return std::nullopt;
  if (now < EarliestStart()) return std::nullopt;
  return full ? SyncKind::kFull : SyncKind::kIncremental;
}

Clock::TimePoint SyncScheduler::NextWake() const {
  const bool pending = pending_full_ || pending_incremental_;
  const TimePoint sync_at = pending ? EarliestStart() : std::max(next_full_, EarliestStart());
  return std::min(sync_at, last_heartbeat_ + options_.heartbeat_interval);
}

void SyncScheduler::SyncStarted(SyncKind kind, TimePoint now) {
  last_start_ = now;
  pending_incremental_ = false;
  if (kind == SyncKind::kFull) {
    pending_full_ = false;
    next_full_ = now + options_.full_sync_period;
  }
}

Clock::Duration SyncScheduler::SyncFinished(SyncKind kind, bool ok, TimePoint now) {
  if (ok) {
    failures_ = 0;
    retry_at_.reset();
    return Duration::zero();
  }
  ++failures_;
  const Duration backoff =
      ExponentialBackoff(options_.initial_backoff, options_.max_backoff, failures_);
  retry_at_ = now + backoff;
  Request(kind);
  return backoff;
}

}  // namespace kr
