#include "common/bus/bus_metrics.h"

#include <string>

#include "common/metrics/text_format.h"

namespace kr::bus {
namespace {

using metrics::FamilySnapshot;
using metrics::MetricType;

void Single(std::vector<FamilySnapshot>& out, std::string name, std::string help, MetricType type,
            double value) {
  out.push_back(FamilySnapshot{name, std::move(help), type, {{name, {}, value}}});
}

void Counter(std::vector<FamilySnapshot>& out, const std::string& name, std::string help,
             uint64_t value) {
  Single(out, name, std::move(help), MetricType::kCounter, static_cast<double>(value));
}

void PerTopicGauge(std::vector<FamilySnapshot>& out, const std::string& name, std::string help,
                   const PerTopic<uint64_t>& values) {
  FamilySnapshot family{name, std::move(help), MetricType::kGauge, {}};
  for (Topic topic : kAllTopics) {
    family.samples.push_back({name,
                              {{"topic", std::string(TopicName(topic))}},
                              static_cast<double>(values[Index(topic)])});
  }
  out.push_back(std::move(family));
}

// The epoch is a random 64-bit number: a label keeps it exact, a sample value would round it.
void Info(std::vector<FamilySnapshot>& out, const std::string& name, std::string help,
          uint64_t epoch) {
  out.push_back(FamilySnapshot{
      name, std::move(help), MetricType::kGauge, {{name, {{"epoch", std::to_string(epoch)}}, 1}}});
}

void LatencyHistogram(std::vector<FamilySnapshot>& out, const std::string& name, std::string help,
                      const PublishLatency& latency) {
  FamilySnapshot family{name, std::move(help), MetricType::kHistogram, {}};
  uint64_t cumulative = 0;
  for (size_t i = 0; i < PublishLatency::kBounds.size(); ++i) {
    cumulative += latency.buckets[i];
    family.samples.push_back({name + "_bucket",
                              {{"le", metrics::FormatValue(PublishLatency::kBounds[i])}},
                              static_cast<double>(cumulative)});
  }
  cumulative += latency.buckets.back();
  family.samples.push_back({name + "_bucket", {{"le", "+Inf"}}, static_cast<double>(cumulative)});
  family.samples.push_back({name + "_sum", {}, latency.sum_seconds});
  family.samples.push_back({name + "_count", {}, static_cast<double>(cumulative)});
  out.push_back(std::move(family));
}

class PublisherCollector final : public metrics::Collector {
 public:
  explicit PublisherCollector(const Publisher& publisher) : publisher_(publisher) {}
  void Collect(std::vector<FamilySnapshot>& out) const override {
    CollectPublisherStats(publisher_.Stats(), out);
  }

 private:
  const Publisher& publisher_;
};

class SubscriberCollector final : public metrics::Collector {
 public:
  explicit SubscriberCollector(const Subscriber& subscriber) : subscriber_(subscriber) {}
  void Collect(std::vector<FamilySnapshot>& out) const override {
    CollectSubscriberStats(subscriber_.Stats(), out);
  }

 private:
  const Subscriber& subscriber_;
};

}  // namespace

void CollectPublisherStats(const PublisherStats& s, std::vector<FamilySnapshot>& out) {
  const std::string p = "kr_bus_publisher_";
  Info(out, p + "info", "The publisher's epoch (changes on every restart).", s.epoch);
  Single(out, p + "in_sync", "1 once the initial list of every kind is published.",
         MetricType::kGauge, s.in_sync ? 1 : 0);
  PerTopicGauge(out, p + "objects", "Objects in the publisher's state.", s.objects);
  PerTopicGauge(out, p + "sequence", "Last sequence number published, per topic (this epoch).",
                s.seqs);
  Counter(out, p + "deltas_published_total", "Upserts and deletes sent.", s.deltas_published);
  Counter(out, p + "batches_published_total",
          "BATCH messages sent (each carries one or more deltas of one topic).",
          s.batches_published);
  Counter(out, p + "unchanged_skipped_total", "Upserts equal to the stored object: nothing sent.",
          s.unchanged_skipped);
  Counter(out, p + "heartbeats_sent_total", "Heartbeats sent.", s.heartbeats_sent);
  Counter(out, p + "snapshots_served_total", "Snapshot replies sent completely.",
          s.snapshots_served);
  Counter(out, p + "snapshots_abandoned_total",
          "Snapshot replies given up: reader gone or not draining in time.", s.snapshots_abandoned);
  Counter(out, p + "bad_snapshot_requests_total", "Snapshot requests refused as malformed.",
          s.bad_snapshot_requests);
  LatencyHistogram(out, p + "publish_seconds",
                   "Time to hand one BATCH message to the update socket (under the state lock).",
                   s.publish_latency);
}

void CollectSubscriberStats(const SubscriberStats& s, std::vector<FamilySnapshot>& out) {
  const std::string p = "kr_bus_subscriber_";
  Info(out, p + "info", "The epoch of the publisher the view follows.", s.epoch);
  Single(out, p + "in_sync", "1 when the view is complete (the publisher was in-sync).",
         MetricType::kGauge, s.in_sync ? 1 : 0);
  Single(out, p + "publisher_alive", "1 when the publisher was heard within the dead-after window.",
         MetricType::kGauge, s.publisher_alive ? 1 : 0);
  PerTopicGauge(out, p + "objects", "Objects in the subscriber's view.", s.objects);
  PerTopicGauge(out, p + "sequence", "Last sequence number applied, per topic.", s.seqs);
  Counter(out, p + "snapshot_requests_total", "Snapshot requests sent.", s.snapshot_requests);
  Counter(out, p + "snapshots_applied_total", "Snapshots installed.", s.snapshots_applied);
  Counter(out, p + "resnapshots_total", "Snapshot requests after the first.", s.resnapshots);
  Counter(out, p + "snapshot_failures_total", "Snapshot requests timed out or answered unusably.",
          s.snapshot_failures);
  Counter(out, p + "gaps_total", "Lost deltas detected, by sequence or by heartbeat.", s.gaps);
  Counter(out, p + "epoch_changes_total", "Publisher restarts seen (new epoch installed).",
          s.epoch_changes);
  Counter(out, p + "publisher_timeouts_total", "Times the publisher fell silent.",
          s.publisher_timeouts);
  Counter(out, p + "malformed_frames_total", "Bad frames, bodies or objects dropped.", s.malformed);
  Counter(out, p + "unknown_version_total", "Objects of an unknown schema major version dropped.",
          s.unknown_version);
  Counter(out, p + "duplicates_total", "Deltas already covered by the snapshot.", s.duplicates);
  Counter(out, p + "stale_dropped_total", "Queued messages of another epoch dropped.",
          s.stale_dropped);
  Counter(out, p + "ignored_total", "Messages of topics not subscribed or not known.", s.ignored);
  Counter(out, p + "heartbeats_received_total", "Heartbeats and in-sync markers received.",
          s.heartbeats_received);
  Counter(out, p + "deltas_applied_total", "Live deltas applied in sequence.", s.deltas_applied);
  Counter(out, p + "upserts_delivered_total", "Upserts handed to the handlers.",
          s.upserts_delivered);
  Counter(out, p + "deletes_delivered_total", "Deletes handed to the handlers.",
          s.deletes_delivered);
}

std::shared_ptr<const metrics::Collector> MakePublisherCollector(const Publisher& publisher) {
  return std::make_shared<PublisherCollector>(publisher);
}

std::shared_ptr<const metrics::Collector> MakeSubscriberCollector(const Subscriber& subscriber) {
  return std::make_shared<SubscriberCollector>(subscriber);
}

}  // namespace kr::bus
