#include "services/informer/watch/publisher_bus_writer.h"

#include <chrono>

namespace kr::informer {

namespace {

struct PublisherBatch : BusWriter::Batch {
  explicit PublisherBatch(bus::Publisher::BatchScope s) : scope(std::move(s)) {}
  bus::Publisher::BatchScope scope;
};

template <typename Publish>
Status Timed(metrics::Histogram* latency, Publish&& publish) {
  const auto start = std::chrono::steady_clock::now();
  Status status = publish();
  if (latency) {
    latency->Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return status;
}

}  // namespace

Status PublisherBusWriter::Upsert(bus::Topic topic, const std::string& key, std::string cbor,
                                  model::SchemaVersion schema) {
  return Timed(latency_.get(),
               [&] { return publisher_.UpsertEncoded(topic, key, std::move(cbor), schema); });
}

std::unique_ptr<BusWriter::Batch> PublisherBusWriter::BeginBatch() {
  return std::make_unique<PublisherBatch>(publisher_.BeginBatch());
}

Status PublisherBusWriter::Delete(bus::Topic topic, const std::string& key) {
  return Timed(latency_.get(), [&] { return publisher_.Delete(topic, key); });
}

}  // namespace kr::informer
