// Bounded exponential backoff: initial, 2x initial, 4x initial, ... capped at max.
//
//   auto delay = kr::ExponentialBackoff(1s, 30s, consecutive_failures);  // failures >= 1
#pragma once

#include <chrono>

namespace kr {

// Delay before retry number `failures` (1 for the first retry). Saturates instead of
// overflowing for any count.
template <typename Rep, typename Period>
constexpr std::chrono::duration<Rep, Period> ExponentialBackoff(
    std::chrono::duration<Rep, Period> initial, std::chrono::duration<Rep, Period> max,
    int failures) {
  auto delay = initial;
  for (int i = 1; i < failures && delay < max; ++i) {
    delay = delay > max / 2 ? max : delay * 2;
  }
  return delay < max ? delay : max;
}

}  // namespace kr
