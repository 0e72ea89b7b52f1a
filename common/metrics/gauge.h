// A value that goes up and down: one child of a gauge family (see family.h, registry.h).
//
// Threading: every method is lock-free and safe from any thread.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "common/metrics/sample.h"

namespace kr::metrics {

class Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double amount) { value_.fetch_add(amount, std::memory_order_relaxed); }
  void Sub(double amount) { value_.fetch_sub(amount, std::memory_order_relaxed); }
  void Inc() { Add(1); }
  void Dec() { Sub(1); }
  // Seconds since the Unix epoch, e.g. for "last successful sync" gauges.
  void SetToCurrentTime();

  double Value() const { return value_.load(std::memory_order_relaxed); }

  void AppendSamples(const std::string& family_name, const Labels& labels,
                     std::vector<Sample>& out) const;

 private:
  std::atomic<double> value_{0};
};

}  // namespace kr::metrics
