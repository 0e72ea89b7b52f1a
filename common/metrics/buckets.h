// Histogram bucket layouts (upper bounds, inclusive; the +Inf bucket is implicit).
//
// Like client_golang's prometheus.DefBuckets / ExponentialBuckets / LinearBuckets. Invalid
// arguments are start-up errors: they throw std::invalid_argument.
#pragma once

#include <vector>

namespace kr::metrics {

// .005 .01 .025 .05 .1 .25 .5 1 2.5 5 10: request/sync latencies in seconds.
std::vector<double> DefaultBuckets();

// count bounds: start, start*factor, start*factor^2, ... (start > 0, factor > 1, count >= 1).
std::vector<double> ExponentialBuckets(double start, double factor, int count);

// count bounds: start, start+width, ... (width > 0, count >= 1).
std::vector<double> LinearBuckets(double start, double width, int count);

}  // namespace kr::metrics
