// Updates from several threads at once must all be counted, and scrapes, child creation and
// removal running alongside must neither lose updates of live children nor crash.
#include <atomic>
#include <catch2/catch.hpp>
#include <functional>
#include <thread>
#include <vector>

#include "common/metrics/registry.h"
#include "common/metrics/testing/exposition_parser.h"

namespace kr::metrics {
namespace {

constexpr int kThreads = 4;
constexpr int kPerThread = 100000;

void RunThreads(const std::function<void(int)>& body) {
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(body, t);
  for (auto& thread : threads) thread.join();
}

TEST_CASE("metrics concurrent counter, gauge and histogram updates sum exactly") {
  Registry registry;
  auto counter = registry.AddCounter("kr_c_total", "C.").Get();
  auto fractional = registry.AddCounter("kr_f_total", "F.").Get();
  auto gauge = registry.AddGauge("kr_g", "G.").Get();
  auto histogram = registry.AddHistogram("kr_h", "H.", {}, {10, 100}).Get();
  std::atomic<bool> done{false};
  std::thread scraper([&] {
    // Scrapes during the updates must stay parseable.
    while (!done.load()) testing::ExpositionParser::Parse(registry.Expose());
  });

  RunThreads([&](int t) {
    for (int i = 0; i < kPerThread; ++i) {
      counter->Inc();
      fractional->Inc(0.5);  // exact in binary, so the sum is exact
      gauge->Add(t % 2 == 0 ? 2 : -1);
      histogram->Observe(i % 3 == 0 ? 5 : 50);
    }
  });
  done = true;
  scraper.join();

  const double total = static_cast<double>(kThreads) * kPerThread;
  CHECK(counter->Value() == total);
  CHECK(fractional->Value() == total / 2);
  CHECK(gauge->Value() == (kThreads / 2) * kPerThread * 2.0 - (kThreads / 2) * kPerThread);
  const std::vector<uint64_t> buckets = histogram->CumulativeCounts();
  const uint64_t small_per_thread = (kPerThread + 2) / 3;  // i % 3 == 0
  CHECK(buckets[0] == kThreads * small_per_thread);
  CHECK(buckets[1] == static_cast<uint64_t>(total));
  CHECK(buckets[2] == static_cast<uint64_t>(total));

  const auto families = testing::ExpositionParser::ParseByName(registry.Expose());
  CHECK(families.at("kr_c_total").samples.at(0).value == total);
  CHECK(families.at("kr_h").samples.at(4).name == "kr_h_count");
  CHECK(families.at("kr_h").samples.at(4).value == total);
}

TEST_CASE("metrics concurrent WithLabels on one label set share one child") {
  Registry registry;
  auto& family = registry.AddCounter("kr_shared_total", "Shared.", {"k"});
  RunThreads([&](int) {
    for (int i = 0; i < kPerThread / 10; ++i) family.WithLabels({std::to_string(i % 7)})->Inc();
  });
  CHECK(family.size() == 7);
  double sum = 0;
  for (int k = 0; k < 7; ++k) sum += family.WithLabels({std::to_string(k)})->Value();
  CHECK(sum == kThreads * (kPerThread / 10));
}

TEST_CASE("metrics removal racing with updates and scrapes keeps live series intact") {
  Registry registry;
  auto& family = registry.AddGauge("kr_churn", "Churn.", {"object"});
  auto stable = family.WithLabels({"stable"});
  std::atomic<bool> done{false};
  std::thread churner([&] {
    for (int i = 0; !done.load(); ++i) {
      const std::string name = "temp" + std::to_string(i % 50);
      family.WithLabels({name})->Inc();
      family.Remove({name});
    }
  });
  std::thread scraper([&] {
    while (!done.load()) testing::ExpositionParser::Parse(registry.Expose());
  });
  RunThreads([&](int) {
    for (int i = 0; i < kPerThread; ++i) stable->Inc();
  });
  done = true;
  churner.join();
  scraper.join();

  const auto families = testing::ExpositionParser::ParseByName(registry.Expose());
  const auto& samples = families.at("kr_churn").samples;
  REQUIRE(samples.size() == 1);  // every temp series was removed again
  CHECK(samples[0].Label("object") == "stable");
  CHECK(samples[0].value == kThreads * kPerThread);
}

}  // namespace
}  // namespace kr::metrics
