#include "common/bus/bus_metrics.h"

#include <catch2/catch.hpp>

#include "common/bus/bus_test_support.h"
#include "common/metrics/registry.h"
#include "common/metrics/testing/exposition_parser.h"

namespace kr::bus {
namespace {

using metrics::testing::ExpositionParser;
using metrics::testing::ParsedFamily;
using Families = std::map<std::string, ParsedFamily>;

const ParsedFamily& Family(const Families& families, const std::string& name) {
  auto it = families.find(name);
  if (it == families.end()) FAIL("no family " << name);
  return it->second;
}

double Value(const Families& families, const std::string& name) {
  const ParsedFamily& family = Family(families, name);
  REQUIRE(family.samples.size() == 1);
  return family.samples[0].value;
}

double TopicValue(const Families& families, const std::string& name, const std::string& topic) {
  for (const auto& sample : Family(families, name).samples) {
    if (sample.Label("topic") == topic) return sample.value;
  }
  FAIL("no sample of " << name << " for topic " << topic);
  return -1;
}

Families Scrape(const metrics::Registry& registry) {
  return ExpositionParser::ParseByName(registry.Expose());
}

TEST_CASE("bus_metrics: every subscriber counter reaches its own family", "[bus]") {
  SubscriberStats stats;
  stats.epoch = 0xfedcba9876543210;  // beyond a double's exact range: must stay a label
  stats.in_sync = true;
  stats.seqs[Index(Topic::kPods)] = 41;
  stats.objects[Index(Topic::kNodes)] = 9;
  stats.snapshot_requests = 11;
  stats.snapshots_applied = 12;
  stats.resnapshots = 13;
  stats.snapshot_failures = 14;
  stats.gaps = 15;
  stats.epoch_changes = 16;
  stats.publisher_timeouts = 17;
  stats.malformed = 18;
  stats.heartbeats_received = 19;
  stats.deltas_applied = 20;

  struct Fixed final : metrics::Collector {
    SubscriberStats stats;
    void Collect(std::vector<metrics::FamilySnapshot>& out) const override {
      CollectSubscriberStats(stats, out);
    }
  };
  auto collector = std::make_shared<Fixed>();
  collector->stats = stats;
  metrics::Registry registry;
  registry.AddCollector(collector);
  Families families = Scrape(registry);

  const std::string p = "kr_bus_subscriber_";
  CHECK(Family(families, p + "info").samples.at(0).Label("epoch") == "18364758544493064720");
  CHECK(Value(families, p + "in_sync") == 1);
  CHECK(Value(families, p + "publisher_alive") == 0);
  CHECK(TopicValue(families, p + "sequence", "pods") == 41);
  CHECK(TopicValue(families, p + "sequence", "services") == 0);
  CHECK(TopicValue(families, p + "objects", "nodes") == 9);
  CHECK(Family(families, p + "objects").samples.size() == kTopicCount);
  CHECK(Value(families, p + "snapshot_requests_total") == 11);
  CHECK(Value(families, p + "snapshots_applied_total") == 12);
  CHECK(Value(families, p + "resnapshots_total") == 13);
  CHECK(Value(families, p + "snapshot_failures_total") == 14);
  CHECK(Value(families, p + "gaps_total") == 15);
  CHECK(Value(families, p + "epoch_changes_total") == 16);
  CHECK(Value(families, p + "publisher_timeouts_total") == 17);
  CHECK(Value(families, p + "malformed_frames_total") == 18);
  CHECK(Value(families, p + "heartbeats_received_total") == 19);
  CHECK(Value(families, p + "deltas_applied_total") == 20);
  CHECK(Family(families, p + "gaps_total").type == "counter");
  CHECK(Family(families, p + "objects").type == "gauge");
}

TEST_CASE("bus_metrics: a live publisher and subscriber, scraped", "[bus]") {
  testing::TempDir dir;
  REQUIRE(!dir.path().empty());
  auto created = Publisher::Create(testing::FastPublisher(dir.path()));
  REQUIRE(created.ok());
  Publisher& publisher = **created;
  {
    auto batch = publisher.BeginBatch();  // three deltas, one message
    for (int i = 0; i < 3; ++i) {
      REQUIRE(publisher.Upsert(testing::MakePod("ns", "pod-" + std::to_string(i), 1)).ok());
    }
  }
  REQUIRE(publisher.Upsert(testing::MakeService("ns", "web", 80)).ok());
  REQUIRE(publisher.Upsert(testing::MakePod("ns", "pod-0", 2)).ok());  // a change: seq 4
  publisher.MarkInSync();

  auto sub_options = testing::FastSubscriber(dir.path());
  // The counts below are exact: no publisher timeout (and re-snapshot) even if a loaded
  // machine delays a few 100 ms heartbeats.
  sub_options.dead_after_heartbeats = 100;
  Subscriber subscriber(sub_options);
  testing::Mirror mirror;
  mirror.Attach(subscriber);
  REQUIRE(subscriber.Start().ok());
  REQUIRE(testing::WaitFor([&] { return subscriber.Stats().in_sync; }));
  REQUIRE(testing::WaitForSeqs(subscriber, publisher));
  REQUIRE(publisher.SendRawForTest({"pods"}).ok());  // one malformed frame
  REQUIRE(testing::WaitFor([&] { return subscriber.Stats().malformed == 1; }));

  metrics::Registry registry;
  registry.AddCollector(MakePublisherCollector(publisher));
  registry.AddCollector(MakeSubscriberCollector(subscriber));
  Families families = Scrape(registry);

  const std::string pub = "kr_bus_publisher_";
  CHECK(Family(families, pub + "info").samples.at(0).Label("epoch") ==
        std::to_string(publisher.epoch()));
  CHECK(Value(families, pub + "in_sync") == 1);
  CHECK(TopicValue(families, pub + "objects", "pods") == 3);
  CHECK(TopicValue(families, pub + "objects", "services") == 1);
  CHECK(TopicValue(families, pub + "sequence", "pods") == 4);
  CHECK(Value(families, pub + "deltas_published_total") == 5);
  CHECK(Value(families, pub + "batches_published_total") == 3);
  CHECK(Value(families, pub + "snapshots_served_total") == 1);
  CHECK(Value(families, pub + "heartbeats_sent_total") >= 1);
  CHECK(Value(families, pub + "bad_snapshot_requests_total") == 0);

  const ParsedFamily& latency = Family(families, pub + "publish_seconds");
  CHECK(latency.type == "histogram");
  double previous = 0;
  double count = -1, infinite = -1;
  for (const auto& sample : latency.samples) {
    if (sample.name == pub + "publish_seconds_bucket") {
      CHECK(sample.value >= previous);  // cumulative
      previous = sample.value;
      if (sample.Label("le") == "+Inf") infinite = sample.value;
    } else if (sample.name == pub + "publish_seconds_count") {
      count = sample.value;
    }
  }
  CHECK(count == 3);  // one observation per message
  CHECK(infinite == 3);

  const std::string sub = "kr_bus_subscriber_";
  CHECK(Family(families, sub + "info").samples.at(0).Label("epoch") ==
        std::to_string(publisher.epoch()));
  CHECK(Value(families, sub + "in_sync") == 1);
  CHECK(Value(families, sub + "publisher_alive") == 1);
  CHECK(TopicValue(families, sub + "objects", "pods") == 3);
  CHECK(TopicValue(families, sub + "sequence", "pods") == 4);
  CHECK(TopicValue(families, sub + "sequence", "services") == 1);
  CHECK(Value(families, sub + "malformed_frames_total") == 1);
  CHECK(Value(families, sub + "snapshots_applied_total") == 1);
  CHECK(Value(families, sub + "gaps_total") == 0);
  CHECK(Value(families, sub + "epoch_changes_total") == 0);
  CHECK(Value(families, sub + "publisher_timeouts_total") == 0);
  CHECK(Value(families, sub + "upserts_delivered_total") == 4);
  subscriber.Stop();
}

}  // namespace
}  // namespace kr::bus
