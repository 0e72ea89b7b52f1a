// A monotonically increasing value: one child of a counter family (see family.h, registry.h).
//
// Threading: every method is lock-free and safe from any thread. Whole-number increments go to
// an integer atomic, so the common Inc() is a single fetch_add; fractional increments go to a
// separate double, and the exposed value is their sum.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "common/metrics/sample.h"

namespace kr::metrics {

class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  void Inc() { whole_.fetch_add(1, std::memory_order_relaxed); }

  // A counter never goes down: negative and NaN amounts are ignored.
  void Inc(double amount);

  double Value() const;

  void AppendSamples(const std::string& family_name, const Labels& labels,
                     std::vector<Sample>& out) const;

 private:
  std::atomic<uint64_t> whole_{0};
  std::atomic<double> fraction_{0};
};

}  // namespace kr::metrics
