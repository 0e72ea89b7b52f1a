// The writing end of the state bus (proto/SPEC.md): owns the state of every topic, publishes
// each change as a sequenced entry of a BATCH message on the PUB socket, serves consistent
// snapshots on the ROUTER socket, sends heartbeats and the in-sync marker. One publisher per
// bus; the informer is the only one.
//
// Batching: outside a batch scope every Upsert/Delete goes out at once, as a BATCH of one
// entry. Inside a scope (BeginBatch) the deltas are buffered per topic and go out as one
// BATCH per topic when the outermost scope ends, or earlier when a topic's buffer reaches
// kMaxBatchEntries or kMaxBatchBytes, or when a heartbeat, the in-sync marker or a snapshot
// is about to be sent (so that every sequence they announce has already been sent; a scope
// held open therefore delays its deltas by at most one heartbeat interval). Within a
// topic the order is kept; across topics it is not (each topic is its own stream, SPEC
// section 6). A batch is not a transaction: consumers may see it split.
//
// Threading: Upsert/Delete/MarkInSync/BeginBatch/Flush/Stats/CopyState may be called from any
// thread (one mutex guards the state, the buffers and the PUB socket). Batch scopes are
// counted, not owned by a thread: while any scope is open, every thread's deltas are
// buffered. A background thread owned by the Publisher serves snapshots and sends
// heartbeats; it copies the state under the mutex (cheap: values are shared, immutable) and
// sends the reply without holding it, so a large or slow snapshot never delays deltas.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>
#include <zmq.hpp>

#include "common/base/expected.h"
#include "common/bus/address.h"
#include "common/bus/stored_object.h"
#include "common/bus/topic.h"
#include "common/bus/topic_objects.h"
#include "common/bus/wire.h"
#include "common/model/cbor_encode.h"

namespace kr::bus {

struct PublisherOptions {
  BusAddress address;
  // When set, PrepareBusDirectory() runs on it before binding (the ipc:// default).
  std::string bus_directory;
  std::chrono::milliseconds heartbeat_interval{1000};
  // Per-subscriber queue on the PUB socket; beyond it ZeroMQ drops (detected by sequence).
  int send_high_water_mark = 100000;
  // How long a snapshot reply may wait for a slow reader before it is abandoned.
  std::chrono::milliseconds snapshot_send_timeout{5000};
  uint64_t epoch = 0;  // 0: random (the normal case); tests may fix it
  // ZeroMQ I/O threads of the publisher's context; they write every message to every
  // subscriber's pipe. Two, as the benchmark's raw reference has (test/bench/bus/README.md).
  int io_threads = 2;
};

// Time to hand one BATCH message to the update socket, in fixed buckets (cumulated only when
// exposed).
struct PublishLatency {
  static constexpr std::array<double, 9> kBounds = {1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5,
                                                    1e-4, 1e-3,   1e-2, 1e-1};
  std::array<uint64_t, kBounds.size() + 1> buckets{};  // the last: above every bound
  double sum_seconds = 0;

  void Observe(double seconds) {
    size_t i = 0;
    while (i < kBounds.size() && seconds > kBounds[i]) ++i;
    ++buckets[i];
    sum_seconds += seconds;
  }
};

// Counters for metrics; a copy, consistent at one instant.
struct PublisherStats {
  uint64_t epoch = 0;
  bool in_sync = false;
  PerTopic<uint64_t> seqs{};
  PerTopic<uint64_t> objects{};
  uint64_t deltas_published = 0;   // entries sent
  uint64_t batches_published = 0;  // BATCH messages sent
  uint64_t unchanged_skipped = 0;  // upserts equal to the stored object: nothing sent
  uint64_t heartbeats_sent = 0;
  uint64_t snapshots_served = 0;
  uint64_t snapshots_abandoned = 0;  // reader vanished or did not drain in time
  uint64_t bad_snapshot_requests = 0;
  PublishLatency publish_latency;
};

class Publisher {
 public:
  // A topic's buffer is sent when it holds this many entries or bytes (a larger single
  // entry goes alone): bounds the message size and the delay of the first entry.
  static constexpr uint32_t kMaxBatchEntries = 256;
  static constexpr size_t kMaxBatchBytes = 64 * 1024;

  // Open while alive; nestable. Must not outlive the Publisher. Movable, not copyable.
  class [[nodiscard]] BatchScope {
   public:
    BatchScope(BatchScope&& other) noexcept
        : publisher_(std::exchange(other.publisher_, nullptr)) {}
    BatchScope& operator=(BatchScope&&) = delete;
    ~BatchScope() {
      if (publisher_ != nullptr) publisher_->EndBatch();
    }

   private:
    friend class Publisher;
    explicit BatchScope(Publisher* publisher) : publisher_(publisher) {}
    Publisher* publisher_;
  };

  // Binds both sockets (restricting ipc:// socket files to 0600) and starts the snapshot and
  // heartbeat thread.
  static Expected<std::unique_ptr<Publisher>> Create(const PublisherOptions& options);
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  // Stores the object and publishes an UPSERT, unless it equals the stored one. Encoded straight
  // from the struct (model/cbor_encode.h): the same bytes as through a JSON tree, without it.
  template <typename T>
  Status Upsert(const T& object) {
    return UpsertBody(TopicOf<T>::value, object.Key(), model::EncodeCbor(object), T::kSchema);
  }
  Status Upsert(Topic topic, const std::string& key, const nlohmann::json& value,
                model::SchemaVersion schema);
  // As Upsert, with the body already CBOR-encoded (benchmarks, tests of odd bodies).
  // The body is copied once, into the stored object.
  Status UpsertEncoded(Topic topic, const std::string& key, std::string_view cbor,
                       model::SchemaVersion schema);

  // Removes the object and publishes a DELETE; a missing key publishes nothing.
  Status Delete(Topic topic, const std::string& key);

  // Deltas published while the returned scope (or any other) is open are sent together, one
  // BATCH per topic, when the last open scope ends. Send failures at that point are not
  // reported (the sequence advances, so consumers see a gap and re-snapshot); call Flush()
  // before the scope ends to see them.
  BatchScope BeginBatch();
  // Sends everything buffered now, scope or not.
  Status Flush();

  // Makes room for `objects` objects of a topic at once (a list's size is known from its first
  // page): the state map is not rehashed again and again as it fills.
  void Reserve(Topic topic, size_t objects);

  // After the initial list of every kind: in-sync from now on, for this epoch.
  void MarkInSync();

  // Sends arbitrary frames on the update socket, bypassing state and sequences. For tests
  // of consumers' robustness and for tools; never used by the informer.
  Status SendRawForTest(const std::vector<std::string>& frames);

  // Sequences count buffered deltas too: they are final once Upsert/Delete returns.
  PublisherStats Stats() const;
  uint64_t epoch() const { return epoch_; }
  // The endpoints as bound: a tcp:// port given as "*" is resolved here.
  const BusAddress& bound_address() const { return bound_; }
  // The current state as JSON: topic -> key -> object. For tests and tools.
  std::map<Topic, std::map<std::string, nlohmann::json>> CopyState() const;

 private:
  struct SnapshotCopy;

  explicit Publisher(const PublisherOptions& options);
  Status Bind();
  Status UpsertBody(Topic topic, const std::string& key, std::string_view cbor,
                    model::SchemaVersion schema);
  Status PublishLocked(Topic topic, std::string_view key, MessageType type,
                       model::SchemaVersion schema, std::string_view body);
  Status SendBatchLocked(Topic topic);
  Status FlushLocked();
  void EndBatch();
  void SendControlLocked(MessageType type);
  void RunBackground();
  void MaybeHeartbeat();
  void ServeSnapshotRequest();
  bool SendReply(const zmq::message_t& identity, std::string_view topic, std::string_view header,
                 std::string_view key, std::string_view body,
                 std::chrono::steady_clock::time_point deadline);

  const PublisherOptions options_;
  const uint64_t epoch_;
  zmq::context_t context_;
  BusAddress bound_;
  std::atomic<bool> stopping_{false};
  std::chrono::steady_clock::time_point next_heartbeat_;  // background thread only
  zmq::socket_t router_;                                  // background thread only
  std::thread background_;

  mutable std::mutex mu_;
  zmq::socket_t pub_;             // guarded by mu_
  PerTopic<TopicObjects> state_;  // guarded by mu_
  PublisherStats stats_;          // mu_
  // Deltas not sent yet, per topic, and the sequence of each buffer's first entry.
  struct Pending {
    BatchBuilder entries;
    uint64_t first_seq = 0;
  };
  PerTopic<Pending> pending_;  // mu_
  int open_batches_ = 0;       // mu_
};

}  // namespace kr::bus
