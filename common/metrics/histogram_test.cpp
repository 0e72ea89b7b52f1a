#include "common/metrics/histogram.h"

#include <catch2/catch.hpp>
#include <limits>
#include <stdexcept>

#include "common/metrics/buckets.h"
#include "common/metrics/registry.h"
#include "common/metrics/testing/exposition_parser.h"

namespace kr::metrics {
namespace {

using testing::ExpositionParser;
using testing::ParsedFamily;

TEST_CASE("metrics bucket helpers") {
  CHECK(DefaultBuckets() == std::vector<double>{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10});
  CHECK(ExponentialBuckets(1, 2, 4) == std::vector<double>{1, 2, 4, 8});
  CHECK(ExponentialBuckets(0.001, 10, 3).size() == 3);
  CHECK(LinearBuckets(-1, 0.5, 5) == std::vector<double>{-1, -0.5, 0, 0.5, 1});
  CHECK_THROWS_AS(ExponentialBuckets(0, 2, 3), std::invalid_argument);
  CHECK_THROWS_AS(ExponentialBuckets(1, 1, 3), std::invalid_argument);
  CHECK_THROWS_AS(ExponentialBuckets(1, 2, 0), std::invalid_argument);
  CHECK_THROWS_AS(LinearBuckets(0, 0, 3), std::invalid_argument);
}

TEST_CASE("metrics histogram buckets are validated; a trailing +Inf is implicit") {
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(ValidateBuckets({1, 2, inf}) == std::vector<double>{1, 2});
  CHECK(ValidateBuckets({}).empty());
  CHECK_THROWS_AS(ValidateBuckets({2, 1}), std::invalid_argument);
  CHECK_THROWS_AS(ValidateBuckets({1, 1}), std::invalid_argument);
  CHECK_THROWS_AS(ValidateBuckets({-inf, 1}), std::invalid_argument);
  CHECK_THROWS_AS(ValidateBuckets({1, std::numeric_limits<double>::quiet_NaN()}),
                  std::invalid_argument);
}

TEST_CASE("metrics histogram counts a value equal to a bound in that bound's bucket") {
  Histogram histogram(std::make_shared<const std::vector<double>>(std::vector<double>{1, 2, 5}));
  histogram.Observe(0.5);  // <= 1
  histogram.Observe(1);    // <= 1 (bounds are inclusive)
  histogram.Observe(1.5);  // <= 2
  histogram.Observe(5);    // <= 5
  histogram.Observe(7);    // +Inf only
  histogram.Observe(-3);   // <= 1
  CHECK(histogram.CumulativeCounts() == std::vector<uint64_t>{3, 4, 5, 6});
  CHECK(histogram.Count() == 6);
  CHECK(histogram.Sum() == 12);

  histogram.Observe(std::numeric_limits<double>::quiet_NaN());
  CHECK(histogram.CumulativeCounts() == std::vector<uint64_t>{3, 4, 5, 7});
}

TEST_CASE("metrics histogram exposition: cumulative _bucket with le last, +Inf, _sum, _count") {
  Registry registry;
  auto& family =
      registry.AddHistogram("kr_sync_seconds", "Sync time.", {"controller"}, {0.1, 0.5, 1});
  auto proxy = family.WithLabels({"proxy"});
  for (const double v : {0.05, 0.1, 0.3, 0.7, 0.9, 3.0}) proxy->Observe(v);
  family.WithLabels({"firewall"});  // exists, nothing observed

  const std::string text = registry.Expose();
  INFO(text);
  const auto families = ExpositionParser::ParseByName(text);
  const ParsedFamily& parsed = families.at("kr_sync_seconds");
  CHECK(parsed.type == "histogram");
  // 2 children x (3 bounds + +Inf + _sum + _count); "firewall" sorts first.
  REQUIRE(parsed.samples.size() == 12);

  for (size_t i = 0; i < 6; ++i) CHECK(parsed.samples[i].Label("controller") == "firewall");
  CHECK(parsed.samples[3].Label("le") == "+Inf");
  CHECK(parsed.samples[3].value == 0);
  CHECK(parsed.samples[5].value == 0);

  const std::vector<std::string> les = {"0.1", "0.5", "1", "+Inf"};
  const std::vector<double> cumulative = {2, 3, 5, 6};
  for (size_t i = 0; i < 4; ++i) {
    const auto& sample = parsed.samples[6 + i];
    CHECK(sample.name == "kr_sync_seconds_bucket");
    CHECK(sample.Label("controller") == "proxy");
    CHECK(sample.labels.back().first == "le");
    CHECK(sample.Label("le") == les[i]);
    CHECK(sample.value == cumulative[i]);
  }
  CHECK(parsed.samples[10].name == "kr_sync_seconds_sum");
  CHECK(parsed.samples[10].value == Approx(5.05));
  CHECK(parsed.samples[10].labels.size() == 1);
  CHECK(parsed.samples[11].name == "kr_sync_seconds_count");
  CHECK(parsed.samples[11].value == 6);
}

TEST_CASE("metrics histogram with default buckets") {
  Registry registry;
  auto histogram = registry.AddHistogram("kr_default_seconds", "Default buckets.").Get();
  histogram->Observe(0.003);
  histogram->Observe(20);
  const auto families = ExpositionParser::ParseByName(registry.Expose());
  const ParsedFamily& parsed = families.at("kr_default_seconds");
  REQUIRE(parsed.samples.size() == DefaultBuckets().size() + 3);
  CHECK(parsed.samples[0].Label("le") == "0.005");
  CHECK(parsed.samples[0].value == 1);
  CHECK(parsed.samples[10].Label("le") == "10");
  CHECK(parsed.samples[10].value == 1);
  CHECK(parsed.samples[11].Label("le") == "+Inf");
  CHECK(parsed.samples[11].value == 2);
}

}  // namespace
}  // namespace kr::metrics
