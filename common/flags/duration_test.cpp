#include "common/flags/duration.h"

#include <catch2/catch.hpp>

namespace kr::flags {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

TEST_CASE("flags_duration: Go syntax parses to nanoseconds", "[flags]") {
  struct Case {
    const char* text;
    nanoseconds want;
  };
  const Case cases[] = {
      {"0", nanoseconds(0)},
      {"-0", nanoseconds(0)},
      {"+0", nanoseconds(0)},
      {"0s", nanoseconds(0)},
      {"100ns", nanoseconds(100)},
      {"1us", microseconds(1)},
      {"1\xC2\xB5s", microseconds(1)},  // µ (micro sign)
      {"1\xCE\xBCs", microseconds(1)},  // μ (Greek mu)
      {"300ms", milliseconds(300)},
      {"5s", seconds(5)},
      {"1m", minutes(1)},
      {"2h22m", hours(2) + minutes(22)},
      {"1h2m3.5s", hours(1) + minutes(2) + milliseconds(3500)},
      {"1.5h", minutes(90)},
      {".5s", milliseconds(500)},
      {"1.s", seconds(1)},
      {"-1m", -minutes(1)},
      {"+5s", seconds(5)},
      {"-1.5h", -minutes(90)},
      {"1h1h", hours(2)},  // Go allows a unit to repeat
      {"0.000000001s", nanoseconds(1)},
      {"1.0000000001s", seconds(1)},  // below 1ns: truncated
      {"9223372036854775807ns", nanoseconds(INT64_MAX)},
      {"-9223372036854775808ns", nanoseconds(INT64_MIN)},
      {"2562047h", hours(2562047)},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    const auto got = ParseDuration(c.text);
    REQUIRE(got.ok());
    CHECK(got->count() == c.want.count());
  }
}

TEST_CASE("flags_duration: malformed text is rejected with a reason", "[flags]") {
  struct Case {
    const char* text;
    const char* reason;
  };
  const Case cases[] = {
      {"", "empty"},
      {"-", "empty"},
      {"5", "missing unit"},
      {"1m5", "missing unit"},
      {"abc", "expected a number"},
      {"5x", "unknown unit \"x\""},
      {"5 s", "unknown unit \" s\""},
      {"5S", "unknown unit \"S\""},
      {"1d", "unknown unit \"d\""},
      {".s", "expected a number"},
      {"s", "expected a number"},
      {"--5s", "expected a number"},
      {"9223372036854775808ns", "out of range"},
      {"2562048h", "out of range"},
      {"99999999999999999999s", "out of range"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    const auto got = ParseDuration(c.text);
    REQUIRE_FALSE(got.ok());
    CHECK_THAT(got.error().message, Catch::Contains(c.reason));
    CHECK_THAT(got.error().message, Catch::StartsWith("invalid duration \""));
  }
}

TEST_CASE("flags_duration: formatting matches Go's Duration.String", "[flags]") {
  struct Case {
    nanoseconds d;
    const char* want;
  };
  const Case cases[] = {
      {nanoseconds(0), "0s"},
      {nanoseconds(1), "1ns"},
      {nanoseconds(999), "999ns"},
      {microseconds(1), "1\xC2\xB5s"},
      {nanoseconds(1500), "1.5\xC2\xB5s"},
      {milliseconds(300), "300ms"},
      {microseconds(1500), "1.5ms"},
      {seconds(1), "1s"},
      {milliseconds(1500), "1.5s"},
      {seconds(60), "1m0s"},
      {minutes(5), "5m0s"},
      {hours(1), "1h0m0s"},
      {hours(2) + minutes(22), "2h22m0s"},
      {hours(1) + minutes(2) + milliseconds(3500), "1h2m3.5s"},
      {-minutes(1), "-1m0s"},
      {nanoseconds(INT64_MIN), "-2562047h47m16.854775808s"},
      {nanoseconds(INT64_MAX), "2562047h47m16.854775807s"},
  };
  for (const auto& c : cases) {
    INFO(c.want);
    CHECK(FormatDuration(c.d) == c.want);
    const auto back = ParseDuration(FormatDuration(c.d));
    REQUIRE(back.ok());
    CHECK(back->count() == c.d.count());
  }
}

}  // namespace
}  // namespace kr::flags
