#include "common/flags/value_parsers.h"

#include <catch2/catch.hpp>

namespace kr::flags {
namespace {

TEST_CASE("flags_values: every strconv.ParseBool spelling, and nothing else", "[flags]") {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"}) {
    INFO(t);
    REQUIRE(ParseBool(t).ok());
    CHECK(*ParseBool(t));
  }
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"}) {
    INFO(f);
    REQUIRE(ParseBool(f).ok());
    CHECK_FALSE(*ParseBool(f));
  }
  for (const char* bad : {"", "yes", "no", "tRUE", "on", "2", " true"}) {
    INFO(bad);
    CHECK_FALSE(ParseBool(bad).ok());
  }
}

TEST_CASE("flags_values: integers in Go base-0 syntax with range checks", "[flags]") {
  struct Case {
    const char* text;
    int64_t want;
  };
  const Case good[] = {{"0", 0},
                       {"42", 42},
                       {"-42", -42},
                       {"+7", 7},
                       {"0x1f", 31},
                       {"0X1F", 31},
                       {"0o17", 15},
                       {"017", 15},
                       {"0b101", 5},
                       {"-0x10", -16},
                       {"2147483647", 2147483647},
                       {"-2147483648", -2147483648LL}};
  for (const auto& c : good) {
    INFO(c.text);
    const auto got = ParseSigned(c.text, INT32_MIN, INT32_MAX, "int");
    REQUIRE(got.ok());
    CHECK(*got == c.want);
  }
  for (const char* bad : {"", "-", "abc", "1.5", "0x", "08", "0b2", "1e3", " 1", "1 "}) {
    INFO(bad);
    const auto got = ParseSigned(bad, INT32_MIN, INT32_MAX, "int");
    REQUIRE_FALSE(got.ok());
    CHECK(got.error().message == "not a number");
  }
  const auto big = ParseSigned("2147483648", INT32_MIN, INT32_MAX, "int");
  REQUIRE_FALSE(big.ok());
  CHECK(big.error().message == "value out of range for int (-2147483648 to 2147483647)");
  CHECK_FALSE(ParseSigned("-2147483649", INT32_MIN, INT32_MAX, "int").ok());
  CHECK(*ParseSigned("-9223372036854775808", INT64_MIN, INT64_MAX, "int64") == INT64_MIN);
  CHECK_FALSE(ParseSigned("9223372036854775808", INT64_MIN, INT64_MAX, "int64").ok());
  CHECK_FALSE(ParseSigned("99999999999999999999999", INT64_MIN, INT64_MAX, "int64").ok());

  CHECK(*ParseUnsigned("65535", 65535, "uint16") == 65535);
  CHECK(*ParseUnsigned("0xffff", 65535, "uint16") == 65535);
  const auto over = ParseUnsigned("65536", 65535, "uint16");
  REQUIRE_FALSE(over.ok());
  CHECK(over.error().message == "value out of range for uint16 (0 to 65535)");
  const auto negative = ParseUnsigned("-1", 65535, "uint16");
  REQUIRE_FALSE(negative.ok());
  CHECK(negative.error().message == "value out of range for uint16 (0 to 65535)");
  CHECK(ParseUnsigned("+1", 65535, "uint16").error().message == "not a number");
  CHECK(*ParseUnsigned("18446744073709551615", UINT64_MAX, "uint64") == UINT64_MAX);
  CHECK_FALSE(ParseUnsigned("18446744073709551616", UINT64_MAX, "uint64").ok());
}

TEST_CASE("flags_values: IP addresses are validated and made canonical", "[flags]") {
  struct Case {
    const char* text;
    const char* want;
  };
  const Case good[] = {{"192.0.2.1", "192.0.2.1"},
                       {" 198.51.100.7 ", "198.51.100.7"},
                       {"0.0.0.0", "0.0.0.0"},
                       {"2001:DB8::0:1", "2001:db8::1"},
                       {"::", "::"},
                       {"::1", "::1"},
                       {"2001:db8:0:0:0:0:0:2", "2001:db8::2"}};
  for (const auto& c : good) {
    INFO(c.text);
    const auto got = ParseIp(c.text);
    REQUIRE(got.ok());
    CHECK(*got == c.want);
  }
  for (const char* bad : {"", "abc", "192.0.2", "192.0.2.256", "192.0.2.1/24", "192.0.02.1",
                          "2001:db8::1::2", "fe80::1%eth0", "2001:db8::/32"}) {
    INFO(bad);
    const auto got = ParseIp(bad);
    REQUIRE_FALSE(got.ok());
    CHECK(got.error().message == "not an IPv4 or IPv6 address");
  }
}

TEST_CASE("flags_values: CSV fields as pflag reads string slices", "[flags]") {
  using V = std::vector<std::string>;
  CHECK(*SplitCsv("") == V{});
  CHECK(*SplitCsv("a") == V{"a"});
  CHECK(*SplitCsv("a,b,c") == V{"a", "b", "c"});
  CHECK(*SplitCsv("a,,b") == V{"a", "", "b"});
  CHECK(*SplitCsv("a,") == V{"a", ""});
  CHECK(*SplitCsv(R"("x,y",z)") == V{"x,y", "z"});
  CHECK(*SplitCsv(R"("say ""hi""")") == V{R"(say "hi")"});
  CHECK_FALSE(SplitCsv(R"("open)").ok());
  CHECK_FALSE(SplitCsv(R"(a"b)").ok());
  CHECK_FALSE(SplitCsv(R"("a"b)").ok());
}

}  // namespace
}  // namespace kr::flags
