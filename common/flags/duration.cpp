#include "common/flags/duration.h"

#include <cstdint>
#include <limits>

namespace kr::flags {
namespace {

using u128 = unsigned __int128;

constexpr uint64_t kMaxMagnitude = uint64_t{1} << 63;  // |INT64_MIN|

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// Nanoseconds per unit, 0 when the unit is unknown.
uint64_t UnitNanos(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xC2\xB5s" /* µ U+00B5 */ || unit == "\xCE\xBCs" /* μ U+03BC */)
    return 1000;
  if (unit == "ms") return 1000000;
  if (unit == "s") return 1000000000;
  if (unit == "m") return 60ull * 1000000000;
  if (unit == "h") return 3600ull * 1000000000;
  return 0;
}

Error Invalid(std::string_view text, std::string_view why) {
  return Error{0, "invalid duration \"" + std::string(text) + "\": " + std::string(why)};
}

}  // namespace

Expected<std::chrono::nanoseconds> ParseDuration(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return Invalid(text, "empty");

  u128 total = 0;
  while (!s.empty()) {
    if (!IsDigit(s[0]) && s[0] != '.') return Invalid(text, "expected a number");
    u128 whole = 0;
    size_t i = 0;
    for (; i < s.size() && IsDigit(s[i]); ++i) {
      whole = whole * 10 + static_cast<unsigned>(s[i] - '0');
      if (whole > kMaxMagnitude) return Invalid(text, "out of range");
    }
    const bool has_whole = i > 0;
    s.remove_prefix(i);

    u128 fraction = 0;  // the fraction's digits as an integer ...
    u128 scale = 1;     // ... divided by this
    bool has_fraction = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      for (i = 0; i < s.size() && IsDigit(s[i]); ++i) {
        if (scale < u128{1000000000000000000ull}) {  // further digits are below 1ns for any unit
          fraction = fraction * 10 + static_cast<unsigned>(s[i] - '0');
          scale *= 10;
        }
      }
      has_fraction = i > 0;
      s.remove_prefix(i);
    }
    if (!has_whole && !has_fraction) return Invalid(text, "expected a number");

    for (i = 0; i < s.size() && s[i] != '.' && !IsDigit(s[i]); ++i) {
    }
    if (i == 0) return Invalid(text, "missing unit (ns, us, ms, s, m, h)");
    const uint64_t unit = UnitNanos(s.substr(0, i));
    if (unit == 0) {
      return Invalid(text, "unknown unit \"" + std::string(s.substr(0, i)) + "\"");
    }
    s.remove_prefix(i);

    total += whole * unit + fraction * unit / scale;
    if (total > kMaxMagnitude) return Invalid(text, "out of range");
  }
  if (!negative && total == kMaxMagnitude) return Invalid(text, "out of range");
  const int64_t magnitude =
      total == kMaxMagnitude ? std::numeric_limits<int64_t>::min() : static_cast<int64_t>(total);
  return std::chrono::nanoseconds(negative && total != kMaxMagnitude ? -magnitude : magnitude);
}

namespace {

// Appends v's decimal digits.
void AppendInt(std::string& out, uint64_t v) {
  out += std::to_string(v);
}

// Appends "." and the `precision` low digits of v without trailing zeros (nothing when they
// are all zero); returns v with those digits removed.
uint64_t AppendFraction(std::string& out, uint64_t v, int precision) {
  std::string digits;
  bool significant = false;
  for (int i = 0; i < precision; ++i) {
    const char digit = static_cast<char>('0' + v % 10);
    significant = significant || digit != '0';
    if (significant) digits.insert(digits.begin(), digit);
    v /= 10;
  }
  if (significant) out += "." + digits;
  return v;
}

}  // namespace

std::string FormatDuration(std::chrono::nanoseconds d) {
  const int64_t count = d.count();
  if (count == 0) return "0s";
  const bool negative = count < 0;
  uint64_t u = negative ? uint64_t{0} - static_cast<uint64_t>(count) : static_cast<uint64_t>(count);

  std::string out = negative ? "-" : "";
  if (u < 1000000000) {
    int precision;
    std::string unit;
    if (u < 1000) {
      precision = 0;
      unit = "ns";
    } else if (u < 1000000) {
      precision = 3;
      unit = "\xC2\xB5s";
    } else {
      precision = 6;
      unit = "ms";
    }
    std::string fraction;
    u = AppendFraction(fraction, u, precision);
    AppendInt(out, u);
    return out + fraction + unit;
  }

  std::string seconds_fraction;
  u = AppendFraction(seconds_fraction, u, 9);
  const uint64_t seconds = u % 60;
  u /= 60;
  const uint64_t minutes = u % 60;
  const uint64_t hours = u / 60;
  if (hours > 0) {
    AppendInt(out, hours);
    out += "h";
  }
  if (hours > 0 || minutes > 0) {
    AppendInt(out, minutes);
    out += "m";
  }
  AppendInt(out, seconds);
  return out + seconds_fraction + "s";
}

}  // namespace kr::flags
