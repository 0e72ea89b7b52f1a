#include "common/http/health_registry.h"

#include <cerrno>

namespace kr::http {

struct HealthRegistry::State {
  HealthClock clock;
  mutable std::mutex mutex;
  std::map<std::string, std::shared_ptr<HealthCheck::Beats>> checks;

  int64_t NowNs() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(clock().time_since_epoch()).count();
  }
};

HealthRegistry::HealthRegistry(HealthClock clock) : state_(std::make_shared<State>()) {
  state_->clock = std::move(clock);
}

Expected<HealthCheck> HealthRegistry::Register(const std::string& name,
                                               std::chrono::steady_clock::duration max_silence) {
  if (name.empty()) return Error{EINVAL, "health check: empty name"};
  if (max_silence <= std::chrono::steady_clock::duration::zero()) {
    return Error{EINVAL, "health check " + name + ": max silence must be positive"};
  }
  auto beats = std::make_shared<HealthCheck::Beats>();
  beats->last_beat_ns.store(state_->NowNs());
  beats->max_silence = max_silence;
  std::lock_guard lock(state_->mutex);
  if (!state_->checks.emplace(name, beats).second) {
    return Error{EEXIST, "health check " + name + " is registered already"};
  }
  return HealthCheck(state_, name, std::move(beats));
}

HealthReport HealthRegistry::Check() const {
  const std::chrono::nanoseconds now(state_->NowNs());
  HealthReport report;
  std::lock_guard lock(state_->mutex);
  for (const auto& [name, beats] : state_->checks) {
    const std::chrono::nanoseconds last(beats->last_beat_ns.load(std::memory_order_relaxed));
    const auto silent_for =
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(now - last);
    if (silent_for > beats->max_silence) {
      report.stale.push_back(StaleCheck{name, silent_for, beats->max_silence});
    }
  }
  return report;
}

HealthCheck::HealthCheck(std::shared_ptr<HealthRegistry::State> state, std::string name,
                         std::shared_ptr<Beats> beats)
    : state_(std::move(state)), name_(std::move(name)), beats_(std::move(beats)) {}

HealthCheck& HealthCheck::operator=(HealthCheck&& other) noexcept {
  if (this != &other) {
    Unregister();
    state_ = std::move(other.state_);
    name_ = std::move(other.name_);
    beats_ = std::move(other.beats_);
  }
  return *this;
}

HealthCheck::~HealthCheck() {
  Unregister();
}

void HealthCheck::Beat() {
  if (state_) beats_->last_beat_ns.store(state_->NowNs(), std::memory_order_relaxed);
}

void HealthCheck::Unregister() {
  if (!state_) return;
  // Declared before the lock so that, when this handle holds the last reference, the state and
  // its mutex are destroyed only after the lock is released.
  const std::shared_ptr<HealthRegistry::State> state = std::move(state_);
  std::lock_guard lock(state->mutex);
  auto it = state->checks.find(name_);
  if (it != state->checks.end() && it->second == beats_) state->checks.erase(it);
}

}  // namespace kr::http
