#include "common/metrics/gauge.h"

#include <chrono>

namespace kr::metrics {

void Gauge::SetToCurrentTime() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  Set(std::chrono::duration<double>(since_epoch).count());
}

void Gauge::AppendSamples(const std::string& family_name, const Labels& labels,
                          std::vector<Sample>& out) const {
  out.push_back(Sample{family_name, labels, Value()});
}

}  // namespace kr::metrics
