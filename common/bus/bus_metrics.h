// Prometheus metrics for the state bus: collectors that read a Publisher's or a Subscriber's
// counters (PublisherStats, SubscriberStats) at scrape time, so the hot paths count nothing
// twice. Families are named kr_bus_publisher_* and kr_bus_subscriber_*; per-topic values carry
// a `topic` label with the topic's wire name ("pods", ...).
//
//   registry.AddCollector(kr::bus::MakeSubscriberCollector(subscriber));
//
// Ownership: the collector keeps a plain reference; the Publisher or Subscriber must outlive
// every scrape of the registry it was added to. One collector of each kind per registry (a
// second would write the same families twice).
// Threading: Collect may run on any thread (Stats() is thread-safe).
#pragma once

#include <memory>

#include "common/bus/publisher.h"
#include "common/bus/subscriber.h"
#include "common/metrics/sample.h"

namespace kr::bus {

std::shared_ptr<const metrics::Collector> MakePublisherCollector(const Publisher& publisher);
std::shared_ptr<const metrics::Collector> MakeSubscriberCollector(const Subscriber& subscriber);

// The families themselves, from a copy of the counters (what the collectors call).
void CollectPublisherStats(const PublisherStats& stats, std::vector<metrics::FamilySnapshot>& out);
void CollectSubscriberStats(const SubscriberStats& stats,
                            std::vector<metrics::FamilySnapshot>& out);

}  // namespace kr::bus
