#include "common/metrics/histogram.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "common/metrics/text_format.h"

namespace kr::metrics {

Histogram::Histogram(std::shared_ptr<const std::vector<double>> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)),
      bucket_counts_(new std::atomic<uint64_t>[upper_bounds_->size() + 1]) {
  for (size_t i = 0; i <= upper_bounds_->size(); ++i) bucket_counts_[i].store(0);
}

void Histogram::Observe(double value) {
  const std::vector<double>& bounds = *upper_bounds_;
  // First bound with value <= bound. Negated so that NaN, which compares false with
  // everything, passes every bound and lands in +Inf, as in client_golang.
  const auto it = std::partition_point(bounds.begin(), bounds.end(),
                                       [value](double bound) { return !(value <= bound); });
  bucket_counts_[static_cast<size_t>(it - bounds.begin())].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::CumulativeCounts() const {
  std::vector<uint64_t> cumulative(upper_bounds_->size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i < cumulative.size(); ++i) {
    running += bucket_counts_[i].load(std::memory_order_relaxed);
    cumulative[i] = running;
  }
  return cumulative;
}

uint64_t Histogram::Count() const {
  return CumulativeCounts().back();
}

void Histogram::AppendSamples(const std::string& family_name, const Labels& labels,
                              std::vector<Sample>& out) const {
  const std::vector<uint64_t> cumulative = CumulativeCounts();
  const std::string bucket_name = family_name + "_bucket";
  for (size_t i = 0; i < cumulative.size(); ++i) {
    Labels with_le = labels;
    const bool is_inf = i == upper_bounds_->size();
    with_le.push_back(Label{"le", is_inf ? "+Inf" : FormatValue((*upper_bounds_)[i])});
    out.push_back(Sample{bucket_name, std::move(with_le), static_cast<double>(cumulative[i])});
  }
  out.push_back(Sample{family_name + "_sum", labels, Sum()});
  out.push_back(Sample{family_name + "_count", labels, static_cast<double>(cumulative.back())});
}

std::vector<double> ValidateBuckets(std::vector<double> bounds) {
  if (!bounds.empty() && std::isinf(bounds.back()) && bounds.back() > 0) bounds.pop_back();
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) {
      throw std::invalid_argument("histogram bucket bounds must be finite (+Inf is implicit)");
    }
    if (i > 0 && !(bounds[i - 1] < bounds[i])) {
      throw std::invalid_argument("histogram bucket bounds must be strictly increasing");
    }
  }
  return bounds;
}

}  // namespace kr::metrics
