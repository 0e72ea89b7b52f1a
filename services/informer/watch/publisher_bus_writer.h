// The informer's BusWriter over the real bus Publisher, timing each publish for the
// publish-latency histogram (normalized object handed over -> delta sent).
#pragma once

#include <memory>

#include "common/bus/publisher.h"
#include "common/metrics/histogram.h"
#include "services/informer/watch/bus_writer.h"

namespace kr::informer {

class PublisherBusWriter : public BusWriter {
 public:
  PublisherBusWriter(bus::Publisher& publisher, std::shared_ptr<metrics::Histogram> latency)
      : publisher_(publisher), latency_(std::move(latency)) {}

  Status Upsert(bus::Topic topic, const std::string& key, std::string cbor,
                model::SchemaVersion schema) override;
  Status Delete(bus::Topic topic, const std::string& key) override;
  void MarkInSync() override { publisher_.MarkInSync(); }
  std::unique_ptr<Batch> BeginBatch() override;
  void Reserve(bus::Topic topic, size_t objects) override { publisher_.Reserve(topic, objects); }

 private:
  bus::Publisher& publisher_;
  std::shared_ptr<metrics::Histogram> latency_;
};

}  // namespace kr::informer
