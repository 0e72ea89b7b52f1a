// Timing of a ControllerLoop. Defaults follow kube-router's (5m sync periods) and
// kube-proxy's (1s minimum sync interval).
//
//   kr::LoopOptions options;
//   options.full_sync_period = flags.ipvs_sync_period;  // e.g. --ipvs-sync-period=5m
//   options.Validate();                                 // throws std::invalid_argument
#pragma once

#include <chrono>
#include <stdexcept>

#include "common/runtime/clock.h"

namespace kr {

struct LoopOptions {
  // At most one sync starts per interval (start to start); events inside it are coalesced.
  Clock::Duration min_sync_interval = std::chrono::seconds(1);
  // A full sync starts this long after the previous full sync started, events or not.
  Clock::Duration full_sync_period = std::chrono::minutes(5);
  // While idle, the heartbeat hook runs at least this often.
  Clock::Duration heartbeat_interval = std::chrono::seconds(10);
  // After consecutive failed syncs the retry waits initial, 2x, 4x, ... up to max.
  Clock::Duration initial_backoff = std::chrono::seconds(1);
  Clock::Duration max_backoff = std::chrono::minutes(1);

  // Throws std::invalid_argument (start-up only) for values the loop cannot honour.
  void Validate() const {
    if (min_sync_interval < Clock::Duration::zero()) {
      throw std::invalid_argument("min_sync_interval must not be negative");
    }
    if (full_sync_period <= Clock::Duration::zero()) {
      throw std::invalid_argument("full_sync_period must be positive");
    }
    if (heartbeat_interval <= Clock::Duration::zero()) {
      throw std::invalid_argument("heartbeat_interval must be positive");
    }
    if (initial_backoff <= Clock::Duration::zero() || max_backoff < initial_backoff) {
      throw std::invalid_argument("backoff must satisfy 0 < initial_backoff <= max_backoff");
    }
  }
};

}  // namespace kr
