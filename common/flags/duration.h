// Go's time.Duration text syntax, as kube-router's duration flags take it.
//
//   ParseDuration("2h22m")  -> 8520s      ParseDuration("1.5h") -> 5400s
//   ParseDuration("300ms")  -> 300ms      ParseDuration("-1m")  -> -60s
//   FormatDuration(5min)    -> "5m0s"     FormatDuration(1500us) -> "1.5ms"
//
// A duration is a sequence of decimal numbers, each with an optional fraction and a unit
// (ns, us, µs, ms, s, m, h), optionally signed; "0" needs no unit. Fractions are truncated to
// whole nanoseconds (Go rounds through float64 and can differ in the last nanosecond).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/base/expected.h"

namespace kr::flags {

Expected<std::chrono::nanoseconds> ParseDuration(std::string_view text);

// Go's Duration.String(): "0s", "100ns", "1.5µs", "300ms", "1h2m3.5s", "5m0s".
std::string FormatDuration(std::chrono::nanoseconds d);

}  // namespace kr::flags
