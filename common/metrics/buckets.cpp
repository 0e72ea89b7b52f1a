#include "common/metrics/buckets.h"

#include <stdexcept>

namespace kr::metrics {

std::vector<double> DefaultBuckets() {
  return {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10};
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  if (count < 1) throw std::invalid_argument("ExponentialBuckets: count must be at least 1");
  if (!(start > 0)) throw std::invalid_argument("ExponentialBuckets: start must be positive");
  if (!(factor > 1)) throw std::invalid_argument("ExponentialBuckets: factor must exceed 1");
  std::vector<double> bounds;
  bounds.reserve(count);
  double bound = start;
  for (int i = 0; i < count; ++i) {
    bounds.push_back(bound);
    bound *= factor;
  }
  return bounds;
}

std::vector<double> LinearBuckets(double start, double width, int count) {
  if (count < 1) throw std::invalid_argument("LinearBuckets: count must be at least 1");
  if (!(width > 0)) throw std::invalid_argument("LinearBuckets: width must be positive");
  std::vector<double> bounds;
  bounds.reserve(count);
  for (int i = 0; i < count; ++i) bounds.push_back(start + width * i);
  return bounds;
}

}  // namespace kr::metrics
