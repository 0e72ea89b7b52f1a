// Reflector sinks that normalize each object and publish it on the bus.
//
// A malformed object is logged with its namespace/name and the reason, counted, and skipped;
// if an earlier version of it was published, that version stays (the last good state of an
// object is better for the dataplanes than none), until the object is deleted.
//
// EndpointSlices are merged per service before publishing (EndpointsMerger), so the bus key is
// the service's, not the slice's.
//
// Threading: each sink is driven by one reflector thread; the counters may be read anywhere.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/kube/reflector.h"
#include "services/informer/normalize/endpoints_merger.h"
#include "services/informer/watch/bus_writer.h"
#include "services/informer/watch/kinds.h"

namespace kr::informer {

struct SinkCounters {
  std::atomic<uint64_t> published{0};  // upserts and deletes handed to the bus
  std::atomic<uint64_t> rejected{0};   // objects that failed normalization
  std::atomic<uint64_t> publish_errors{0};
};

class PublishingSink : public kube::ReflectorSink {
 public:
  // on_listed is called after every complete list of this kind (for the in-sync marker).
  PublishingSink(const KindInfo& kind, BusWriter& bus, std::function<void()> on_listed);

  void OnUpsert(const std::string& key, nlohmann::json&& object) override;
  void OnUpsertView(const std::string& key, kube::JsonView object) override;
  void OnDelete(const std::string& key) override;
  void OnListed() override;
  void OnDecodeError(const std::string& what) override;
  void OnBatchBegin() override { batch_ = bus_.BeginBatch(); }
  void OnBatchEnd() override { batch_.reset(); }
  void OnListSize(std::uint64_t objects) override;

  const SinkCounters& counters() const { return counters_; }

 private:
  void Publish(const std::string& key, std::string cbor, model::SchemaVersion schema);
  void Remove(const std::string& key);
  void Reject(const std::string& key, const std::string& reason);
  void ApplyEndpointChanges(const std::vector<EndpointsMerger::Change>& changes);

  const KindInfo kind_;
  BusWriter& bus_;
  std::function<void()> on_listed_;
  EndpointsMerger endpoints_;  // used only for EndpointSlices
  kube::JsonDoc tree_layout_;  // a watch event's object laid out flat, reused
  SinkCounters counters_;
  std::unique_ptr<BusWriter::Batch> batch_;  // between OnBatchBegin and OnBatchEnd
};

}  // namespace kr::informer
