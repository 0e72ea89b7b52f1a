// Test-only: a steady clock that moves only when told, so staleness needs no sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "common/http/health_registry.h"

namespace kr::http::testing {

class FakeClock {
 public:
  std::chrono::steady_clock::time_point Now() const {
    return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(now_ns_.load()));
  }
  void Advance(std::chrono::nanoseconds by) { now_ns_ += by.count(); }
  // The clock must outlive whatever holds this function.
  HealthClock AsHealthClock() {
    return [this] { return Now(); };
  }

 private:
  std::atomic<int64_t> now_ns_{1'000'000'000'000};  // arbitrary, far from zero
};

}  // namespace kr::http::testing
