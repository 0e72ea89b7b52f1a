// Observations counted into buckets: one child of a histogram family (see family.h,
// registry.h, buckets.h).
//
// Threading: Observe is lock-free (one binary search, two relaxed atomic adds) and safe from
// any thread. Buckets are stored per bucket and made cumulative at scrape time; _count is
// derived from the bucket totals so it always equals the +Inf bucket. _sum is read separately
// and may lag the buckets by observations in flight during a scrape.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/metrics/sample.h"

namespace kr::metrics {

class Histogram {
 public:
  // upper_bounds: strictly increasing, finite, without +Inf (see ValidateBuckets). Shared by
  // every child of a family.
  explicit Histogram(std::shared_ptr<const std::vector<double>> upper_bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // Counts value in the first bucket whose bound is >= value; NaN lands in +Inf only.
  void Observe(double value);

  // One entry per bound plus the +Inf bucket, each counting observations <= its bound.
  std::vector<uint64_t> CumulativeCounts() const;
  uint64_t Count() const;
  double Sum() const { return sum_.load(std::memory_order_relaxed); }
  const std::vector<double>& upper_bounds() const { return *upper_bounds_; }

  void AppendSamples(const std::string& family_name, const Labels& labels,
                     std::vector<Sample>& out) const;

 private:
  std::shared_ptr<const std::vector<double>> upper_bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> bucket_counts_;  // upper_bounds_->size() + 1 entries
  std::atomic<double> sum_{0};
};

// Returns the bounds a family will use: a trailing +Inf is dropped (it is always implicit).
// Throws std::invalid_argument (a start-up error) on NaN, an infinite bound other than a
// trailing +Inf, or bounds that are not strictly increasing.
std::vector<double> ValidateBuckets(std::vector<double> bounds);

}  // namespace kr::metrics
