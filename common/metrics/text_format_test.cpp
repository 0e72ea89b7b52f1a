#include "common/metrics/text_format.h"

#include <catch2/catch.hpp>
#include <charconv>
#include <cmath>
#include <limits>
#include <random>

#include "common/metrics/testing/exposition_parser.h"

namespace kr::metrics {
namespace {

using testing::ExpositionParser;

double ReadBack(const std::string& text) {
  double value = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  REQUIRE(result.ec == std::errc());
  REQUIRE(result.ptr == text.data() + text.size());
  return value;
}

TEST_CASE("metrics FormatValue writes what Prometheus parses") {
  CHECK(FormatValue(0) == "0");
  CHECK(FormatValue(1) == "1");
  CHECK(FormatValue(-3) == "-3");
  CHECK(FormatValue(0.25) == "0.25");
  CHECK(FormatValue(1234567) == "1234567");
  CHECK(FormatValue(1e-9) == "1e-09");
  CHECK(FormatValue(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(FormatValue(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(FormatValue(std::numeric_limits<double>::quiet_NaN()) == "NaN");
}

TEST_CASE("metrics FormatValue round-trips every double exactly") {
  std::mt19937_64 random(12345);
  std::uniform_real_distribution<double> exponent(-300, 300);
  for (int i = 0; i < 10000; ++i) {
    const double value = std::pow(10.0, exponent(random)) * ((i % 2) ? 1 : -1);
    const std::string text = FormatValue(value);
    INFO(text);
    REQUIRE(ReadBack(text) == value);
  }
  CHECK(ReadBack(FormatValue(0.1)) == 0.1);
  CHECK(ReadBack(FormatValue(std::numeric_limits<double>::max())) ==
        std::numeric_limits<double>::max());
  CHECK(ReadBack(FormatValue(std::numeric_limits<double>::denorm_min())) ==
        std::numeric_limits<double>::denorm_min());
}

TEST_CASE("metrics label values escape backslash, quote and newline only") {
  CHECK(EscapeLabelValue("plain") == "plain");
  CHECK(EscapeLabelValue(R"(a\b)") == R"(a\\b)");
  CHECK(EscapeLabelValue(R"(say "hi")") == R"(say \"hi\")");
  CHECK(EscapeLabelValue("two\nlines") == R"(two\nlines)");
  CHECK(EscapeLabelValue("tab\there") == "tab\there");
  CHECK(EscapeLabelValue("ünïcode") == "ünïcode");
}

TEST_CASE("metrics HELP escapes backslash and newline but not quotes") {
  CHECK(EscapeHelp(R"(C:\path "quoted")") == R"(C:\\path "quoted")");
  CHECK(EscapeHelp("first\nsecond") == R"(first\nsecond)");
}

TEST_CASE("metrics WriteTextFormat output parses back to the same families") {
  const std::vector<FamilySnapshot> families = {
      {"kr_a_total",
       "Help with \\ and\nnewline.",
       MetricType::kCounter,
       {{"kr_a_total", {{"x", "va\"l\\ue\n"}, {"y", ""}}, 3}}},
      {"kr_b",
       "Gauge.",
       MetricType::kGauge,
       {{"kr_b", {}, -std::numeric_limits<double>::infinity()}}},
      {"kr_empty", "No samples yet.", MetricType::kGauge, {}},
      {"kr_c", "Untyped.", MetricType::kUntyped, {{"kr_c", {}, 0.5}}},
  };
  const std::string text = WriteTextFormat(families);
  INFO(text);
  const auto parsed = ExpositionParser::Parse(text);
  REQUIRE(parsed.size() == 4);

  CHECK(parsed[0].name == "kr_a_total");
  CHECK(parsed[0].help == "Help with \\ and\nnewline.");
  CHECK(parsed[0].type == "counter");
  REQUIRE(parsed[0].samples.size() == 1);
  CHECK(parsed[0].samples[0].Label("x") == "va\"l\\ue\n");
  CHECK(parsed[0].samples[0].Label("y") == "");
  CHECK(parsed[0].samples[0].value == 3);

  CHECK(parsed[1].type == "gauge");
  CHECK(parsed[1].samples.at(0).value_text == "-Inf");
  CHECK(std::isinf(parsed[1].samples.at(0).value));

  CHECK(parsed[2].name == "kr_empty");
  CHECK(parsed[2].samples.empty());

  CHECK(parsed[3].type == "untyped");
  CHECK(parsed[3].samples.at(0).value == 0.5);
}

TEST_CASE("metrics exposition parser rejects malformed text, so the tests above can fail") {
  CHECK_THROWS(ExpositionParser::Parse("# HELP a x\n# TYPE a gauge\na 1"));    // no final newline
  CHECK_THROWS(ExpositionParser::Parse("# HELP a x\n# TYPE a gauge\nb 1\n"));  // foreign sample
  CHECK_THROWS(ExpositionParser::Parse("# HELP a x\n# TYPE a gauge\na{l=\"v} 1\n"));
  CHECK_THROWS(ExpositionParser::Parse("# HELP a x\n# TYPE a gauge\na{l=\"\\t\"} 1\n"));
  CHECK_THROWS(ExpositionParser::Parse("# HELP a x\n# TYPE a gauge\na Infinity\n"));
  CHECK_THROWS(ExpositionParser::Parse("# HELP a x\n# TYPE a gaugeish\na 1\n"));
  CHECK_THROWS(ExpositionParser::Parse("# HELP a x\na 1\n"));
  CHECK_NOTHROW(ExpositionParser::Parse("# HELP a x\n# TYPE a gauge\na{l=\"\\\"\"} 1\n"));
}

}  // namespace
}  // namespace kr::metrics
