#include "common/metrics/registry.h"

#include <catch2/catch.hpp>
#include <limits>
#include <stdexcept>

#include "common/metrics/testing/exposition_parser.h"

namespace kr::metrics {
namespace {

using testing::ExpositionParser;
using testing::ParsedFamily;

TEST_CASE("metrics registry exposes families sorted by name, children by label values") {
  Registry registry;
  auto& requests = registry.AddCounter("kr_requests_total", "Requests.", {"code", "method"});
  auto& temperature = registry.AddGauge("kr_a_temperature", "A gauge.");
  requests.WithLabels({"500", "GET"})->Inc();
  requests.WithLabels({"200", "POST"})->Inc(2);
  requests.WithLabels({"200", "GET"})->Inc(0.5);
  temperature.Get()->Set(-1.5);

  const std::string text = registry.Expose();
  INFO(text);
  const std::vector<ParsedFamily> families = ExpositionParser::Parse(text);
  REQUIRE(families.size() == 2);
  CHECK(families[0].name == "kr_a_temperature");
  CHECK(families[0].type == "gauge");
  CHECK(families[0].help == "A gauge.");
  REQUIRE(families[0].samples.size() == 1);
  CHECK(families[0].samples[0].labels.empty());
  CHECK(families[0].samples[0].value == -1.5);

  const ParsedFamily& counter = families[1];
  CHECK(counter.name == "kr_requests_total");
  CHECK(counter.type == "counter");
  REQUIRE(counter.samples.size() == 3);
  using LabelList = std::vector<std::pair<std::string, std::string>>;
  CHECK(counter.samples[0].labels == LabelList{{"code", "200"}, {"method", "GET"}});
  CHECK(counter.samples[0].value == 0.5);
  CHECK(counter.samples[1].labels == LabelList{{"code", "200"}, {"method", "POST"}});
  CHECK(counter.samples[1].value == 2);
  CHECK(counter.samples[2].labels == LabelList{{"code", "500"}, {"method", "GET"}});
  CHECK(counter.samples[2].value == 1);

  // Nothing changed, so a second scrape is byte-for-byte the same.
  CHECK(registry.Expose() == text);
}

TEST_CASE("metrics label values and HELP survive escaping through a scrape") {
  Registry registry;
  auto& family = registry.AddGauge("kr_escapes", "Path C:\\dir\nsecond \"line\".", {"v"});
  const std::string nasty = "back\\slash \"quote\"\nnewline";
  family.WithLabels({nasty})->Set(7);

  const auto families = ExpositionParser::ParseByName(registry.Expose());
  const ParsedFamily& parsed = families.at("kr_escapes");
  CHECK(parsed.help == "Path C:\\dir\nsecond \"line\".");
  REQUIRE(parsed.samples.size() == 1);
  CHECK(parsed.samples[0].Label("v") == nasty);
  CHECK(parsed.samples[0].value == 7);
}

TEST_CASE("metrics a label-less family shows zero before first use; a labelled one shows none") {
  Registry registry;
  registry.AddCounter("kr_plain_total", "Plain.");
  registry.AddCounter("kr_labelled_total", "Labelled.", {"x"});
  const auto families = ExpositionParser::ParseByName(registry.Expose());
  REQUIRE(families.at("kr_plain_total").samples.size() == 1);
  CHECK(families.at("kr_plain_total").samples[0].value == 0);
  CHECK(families.at("kr_labelled_total").samples.empty());
}

TEST_CASE("metrics removing a child drops its series; a kept handle stays usable") {
  Registry registry;
  auto& family =
      registry.AddGauge("kr_service_endpoints", "Endpoints per service.", {"namespace", "service"});
  auto web = family.WithLabels({"default", "web"});
  auto db = family.WithLabels({"default", "db"});
  web->Set(3);
  db->Set(1);
  CHECK(family.size() == 2);

  CHECK(family.Remove({"default", "web"}));
  CHECK_FALSE(family.Remove({"default", "web"}));
  CHECK(family.size() == 1);
  web->Inc();  // the object is gone but someone still holds the handle: harmless
  CHECK(web->Value() == 4);

  auto families = ExpositionParser::ParseByName(registry.Expose());
  REQUIRE(families.at("kr_service_endpoints").samples.size() == 1);
  CHECK(families.at("kr_service_endpoints").samples[0].Label("service") == "db");

  // The same label values later start a fresh series.
  CHECK(family.WithLabels({"default", "web"})->Value() == 0);
  CHECK(family.size() == 2);

  family.Clear();
  families = ExpositionParser::ParseByName(registry.Expose());
  CHECK(families.at("kr_service_endpoints").samples.empty());
}

TEST_CASE("metrics WithLabels returns the same child for the same values") {
  Registry registry;
  auto& family = registry.AddCounter("kr_same_total", "Same.", {"a"});
  auto first = family.WithLabels({"x"});
  auto second = family.WithLabels({"x"});
  CHECK(first == second);
  first->Inc();
  second->Inc();
  CHECK(family.WithLabels({"x"})->Value() == 2);
}

TEST_CASE("metrics counters ignore negative and NaN increments and sum fractions") {
  Registry registry;
  auto counter = registry.AddCounter("kr_c_total", "C.").Get();
  counter->Inc(-1);
  counter->Inc(std::numeric_limits<double>::quiet_NaN());
  CHECK(counter->Value() == 0);
  counter->Inc();
  counter->Inc(2);
  counter->Inc(0.25);
  counter->Inc(0.25);
  CHECK(counter->Value() == 3.5);
}

TEST_CASE("metrics gauges go both ways") {
  Registry registry;
  auto gauge = registry.AddGauge("kr_g", "G.").Get();
  gauge->Inc();
  gauge->Add(4);
  gauge->Dec();
  gauge->Sub(10);
  CHECK(gauge->Value() == -6);
  gauge->SetToCurrentTime();
  CHECK(gauge->Value() > 1.7e9);  // after 2023-11
}

TEST_CASE("metrics registering the same family twice returns it; a different one throws") {
  Registry registry;
  auto& first = registry.AddCounter("kr_x_total", "X.", {"a"});
  auto& again = registry.AddCounter("kr_x_total", "X.", {"a"});
  CHECK(&first == &again);
  CHECK_THROWS_AS(registry.AddGauge("kr_x_total", "X.", {"a"}), std::invalid_argument);
  CHECK_THROWS_AS(registry.AddCounter("kr_x_total", "Other help.", {"a"}), std::invalid_argument);
  CHECK_THROWS_AS(registry.AddCounter("kr_x_total", "X.", {"b"}), std::invalid_argument);

  registry.AddHistogram("kr_h", "H.", {}, {1, 2});
  CHECK_NOTHROW(registry.AddHistogram("kr_h", "H.", {}, {1, 2}));
  CHECK_THROWS_AS(registry.AddHistogram("kr_h", "H.", {}, {1, 3}), std::invalid_argument);
}

TEST_CASE("metrics invalid names are start-up errors") {
  Registry registry;
  CHECK_THROWS_AS(registry.AddCounter("", "h"), std::invalid_argument);
  CHECK_THROWS_AS(registry.AddCounter("1abc", "h"), std::invalid_argument);
  CHECK_THROWS_AS(registry.AddCounter("kr-dash", "h"), std::invalid_argument);
  CHECK_NOTHROW(registry.AddCounter("kr:recording_rule:ok", "h"));
  CHECK_THROWS_AS(registry.AddCounter("kr_a", "h", {"__reserved"}), std::invalid_argument);
  CHECK_THROWS_AS(registry.AddCounter("kr_b", "h", {"with:colon"}), std::invalid_argument);
  CHECK_THROWS_AS(registry.AddCounter("kr_c", "h", {"x", "x"}), std::invalid_argument);
  CHECK_THROWS_AS(registry.AddHistogram("kr_d", "h", {"le"}), std::invalid_argument);
  CHECK_NOTHROW(registry.AddGauge("kr_e", "h", {"le"}));  // only histograms reserve le
}

class FixedCollector final : public Collector {
 public:
  void Collect(std::vector<FamilySnapshot>& out) const override {
    out.push_back(
        {"kr_m_collected", "From a collector.", MetricType::kGauge, {{"kr_m_collected", {}, 11}}});
  }
};

TEST_CASE("metrics collectors are merged into the name order") {
  Registry registry;
  registry.AddGauge("kr_z_last", "Z.");
  registry.AddGauge("kr_a_first", "A.");
  registry.AddCollector(std::make_shared<FixedCollector>());
  const auto families = ExpositionParser::Parse(registry.Expose());
  REQUIRE(families.size() == 3);
  CHECK(families[0].name == "kr_a_first");
  CHECK(families[1].name == "kr_m_collected");
  CHECK(families[1].samples.at(0).value == 11);
  CHECK(families[2].name == "kr_z_last");
}

}  // namespace
}  // namespace kr::metrics
