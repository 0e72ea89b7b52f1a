#include "common/metrics/counter.h"

#include <cmath>

namespace kr::metrics {

void Counter::Inc(double amount) {
  if (!(amount >= 0)) return;  // also rejects NaN
  // Below 2^53 every whole double converts to uint64_t exactly.
  constexpr double kExactIntegerLimit = 9007199254740992.0;
  if (amount < kExactIntegerLimit && amount == std::floor(amount)) {
    whole_.fetch_add(static_cast<uint64_t>(amount), std::memory_order_relaxed);
  } else {
    fraction_.fetch_add(amount, std::memory_order_relaxed);
  }
}

double Counter::Value() const {
  return static_cast<double>(whole_.load(std::memory_order_relaxed)) +
         fraction_.load(std::memory_order_relaxed);
}

void Counter::AppendSamples(const std::string& family_name, const Labels& labels,
                            std::vector<Sample>& out) const {
  out.push_back(Sample{family_name, labels, Value()});
}

}  // namespace kr::metrics
