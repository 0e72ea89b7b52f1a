#include "services/informer/watch/publisher_bus_writer.h"

#include <chrono>

namespace kr::informer {

namespace {

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

Status PublisherBusWriter::Delete(bus::Topic topic, const std::string& key) {
  return Timed(latency_.get(), [&] { return publisher_.Delete(topic, key); });
}

}  // namespace kr::informer
