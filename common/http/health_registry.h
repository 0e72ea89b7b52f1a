// Liveness of a daemon's loops, for /healthz (served by StatusServer, status_server.h).
//
// Each loop registers a named check with the longest silence it may keep, and beats once per
// iteration. /healthz is healthy while every registered check beat within its limit.
//
//   kr::http::HealthRegistry health;  // real steady clock
//   auto check = health.Register("proxyd-sync", 3 * sync_period);
//   if (!check) return check.error();  // e.g. the name is taken
//   while (running) { Sync(); check->Beat(); }
//
// A new check counts as beating at registration time, so a loop has one max_silence to start.
// The handle is move-only; destroying it unregisters the check (a loop that was stopped on
// purpose no longer fails /healthz).
//
// Threading: Register, Check and Beat are safe from any thread; Beat is one clock read and one
// relaxed atomic store. The clock is injectable so tests can move time by hand. A handle may
// outlive its registry.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/base/expected.h"

namespace kr::http {

using HealthClock = std::function<std::chrono::steady_clock::time_point()>;

struct StaleCheck {
  std::string name;
  std::chrono::steady_clock::duration silent_for;
  std::chrono::steady_clock::duration max_silence;
};

struct HealthReport {
  std::vector<StaleCheck> stale;  // sorted by name
  bool healthy() const { return stale.empty(); }
};

class HealthCheck;

class HealthRegistry {
 public:
  explicit HealthRegistry(HealthClock clock = [] { return std::chrono::steady_clock::now(); });
  HealthRegistry(const HealthRegistry&) = delete;
  HealthRegistry& operator=(const HealthRegistry&) = delete;

  // Errors: EEXIST when the name is registered already, EINVAL for an empty name or a
  // max_silence that is not positive.
  Expected<HealthCheck> Register(const std::string& name,
                                 std::chrono::steady_clock::duration max_silence);

  HealthReport Check() const;

  // Shared with the handles, so that they stay safe to use after the registry is gone.
  struct State;

 private:
  std::shared_ptr<State> state_;
};

class HealthCheck {
 public:
  HealthCheck(HealthCheck&& other) noexcept = default;
  HealthCheck& operator=(HealthCheck&& other) noexcept;
  HealthCheck(const HealthCheck&) = delete;
  HealthCheck& operator=(const HealthCheck&) = delete;
  ~HealthCheck();

  void Beat();
  const std::string& name() const { return name_; }

 private:
  friend class HealthRegistry;
  struct Beats {
    std::atomic<int64_t> last_beat_ns;  // steady clock, since its epoch
    std::chrono::steady_clock::duration max_silence;
  };
  HealthCheck(std::shared_ptr<HealthRegistry::State> state, std::string name,
              std::shared_ptr<Beats> beats);
  void Unregister();

  std::shared_ptr<HealthRegistry::State> state_;  // null once moved from
  std::string name_;
  std::shared_ptr<Beats> beats_;
};

}  // namespace kr::http
