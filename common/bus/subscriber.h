// The reading end of the state bus (proto/SPEC.md section 8): subscribe, then snapshot,
// then apply queued and live deltas in sequence; re-snapshot on a gap, an epoch change or a
// silent publisher, and report to the user only the real differences. Until the publisher
// is in-sync, objects that may merely not be listed yet are never reported deleted.
// A late joiner (empty view) gets each snapshot object as it arrives, before the reply is
// complete; the in-sync callback still comes only after the whole view is installed.
//
// Threading: register handlers, then Start(). All handlers run on the subscriber's own
// thread, one at a time, in order; they must not block for long (the deltas queue up behind
// them, and a full queue costs a re-snapshot). Stats() may be called from any thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>
#include <zmq.hpp>

#include "common/base/expected.h"
#include "common/bus/address.h"
#include "common/bus/snapshot.h"
#include "common/bus/topic.h"
#include "common/bus/view_table.h"
#include "common/bus/wire.h"
#include "common/model/decode.h"

namespace kr::bus {

struct SubscriberOptions {
  BusAddress address;
  // A snapshot request without a complete reply in this time is repeated on a fresh DEALER.
  std::chrono::milliseconds snapshot_timeout{10000};
  // The heartbeat interval assumed until the publisher announces its own.
  std::chrono::milliseconds initial_heartbeat{1000};
  // Silence for this many heartbeat intervals means the publisher is gone.
  int dead_after_heartbeats = 3;
  int receive_high_water_mark = 100000;
};

// Counters for metrics; a copy, refreshed after every batch of messages.
struct SubscriberStats {
  uint64_t epoch = 0;
  bool in_sync = false;          // the view is complete: the publisher was in-sync
  bool publisher_alive = false;  // heard from within the dead-after window
  PerTopic<uint64_t> seqs{};
  PerTopic<uint64_t> objects{};
  uint64_t snapshot_requests = 0;
  uint64_t snapshots_applied = 0;
  uint64_t resnapshots = 0;        // requests after the first
  uint64_t snapshot_failures = 0;  // timed out, or an unusable reply
  uint64_t gaps = 0;               // lost deltas, by sequence or by heartbeat
  uint64_t epoch_changes = 0;
  uint64_t publisher_timeouts = 0;
  uint64_t malformed = 0;        // bad frames, batches, bodies or objects: dropped
  uint64_t unknown_version = 0;  // objects of an unknown schema major version: dropped
  uint64_t duplicates = 0;       // deltas (batch entries) already covered by the snapshot
  uint64_t stale_dropped = 0;    // queued messages of another epoch
  uint64_t ignored = 0;          // topics not subscribed or not known
  uint64_t heartbeats_received = 0;
  uint64_t deltas_applied = 0;
  uint64_t upserts_delivered = 0;
  uint64_t deletes_delivered = 0;
};

class Subscriber {
 public:
  // Returns an error to reject the object (counted as malformed, view unchanged).
  using UpsertFn = std::function<Status(const std::string& key, const nlohmann::json& value)>;
  using DeleteFn = std::function<void(const std::string& key)>;
  // Receives the object still encoded (schema version checked, CBOR not parsed): for relays
  // and consumers that decode lazily. Same error contract as UpsertFn.
  using EncodedUpsertFn =
      std::function<Status(const std::string& key, const EncodedObject& object)>;

  explicit Subscriber(SubscriberOptions options);
  ~Subscriber();
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  // Handlers, registered before Start(). Only topics with a handler are subscribed.
  void OnRaw(Topic topic, UpsertFn upsert, DeleteFn remove);
  void OnEncoded(Topic topic, EncodedUpsertFn upsert, DeleteFn remove);
  // Decoded straight from the CBOR in the receive buffer (model::DecodeCborInto), into one T
  // per handler that every delivery reuses: no allocation per delivery once warm. So `object`
  // is valid only during the call; copy what must outlive it.
  template <typename T>
  void On(std::function<void(const std::string& key, const T& object)> upsert, DeleteFn remove) {
    OnBody(
        TopicOf<T>::value,
        [upsert = std::move(upsert), object = T{}](const std::string& key,
                                                   std::string_view body) mutable -> Status {
          if (Status status = model::DecodeCborInto(body, object); !status) return status;
          upsert(key, object);
          return Status::Ok();
        },
        std::move(remove));
  }
  // Once, the first time the view is complete; deleting owned kernel state is safe from then.
  void OnInSync(std::function<void()> callback) { on_in_sync_ = std::move(callback); }
  // Each time the publisher falls silent for the dead-after window.
  void OnPublisherLost(std::function<void()> callback) { on_lost_ = std::move(callback); }

  Status Start();
  void Stop();
  SubscriberStats Stats() const;

 private:
  // Takes the body where it lies (schema version checked), valid only during the call: On<T>
  // decodes it without copying it first.
  using BodyUpsertFn = std::function<Status(const std::string& key, std::string_view body)>;
  void OnBody(Topic topic, BodyUpsertFn upsert, DeleteFn remove);

  // One of the upsert functions is set.
  struct Handler {
    bool wanted = false;
    UpsertFn upsert;
    EncodedUpsertFn encoded_upsert;
    BodyUpsertFn body_upsert;
    DeleteFn remove;
  };
  enum class Phase { kAwaitingSnapshot, kLive };
  // One received message, its frames kept for the parse that points into them.
  struct Received {
    std::array<zmq::message_t, kFramesPerMessage> frames;
    size_t count = 0;  // frames received; those beyond kFramesPerMessage are discarded
  };

  void Run();
  void RequestSnapshot();
  void DrainUpdates();
  bool ReceiveUpdate(Received& received);
  void DrainSnapshot();
  void CheckTimers();
  void HandleUpdate(const MessageView& message);
  void ProcessLive(const MessageView& message);
  void ProcessBatch(Topic topic, uint64_t first_seq, std::string_view body);
  void ProcessControl(const MessageView& message);
  void Install(const Snapshot& snapshot);
  void BecomeInSync();
  void ApplyUpsert(Topic topic, std::string_view key, uint64_t key_hash,
                   model::SchemaVersion schema, std::string_view body);
  // Schema check and handler call; false: the object is rejected (and counted).
  bool Deliver(Topic topic, const std::string& key, const EncodedObject& object);
  // The same for an object still in the receive buffers: the key is copied into a reused
  // scratch string, and so is the body unless the handler takes it in place (OnBody).
  bool Deliver(Topic topic, std::string_view key, model::SchemaVersion schema,
               std::string_view body);
  // The handler's verdict on one upsert, counted.
  bool Counted(Status status);
  void ApplyDelete(Topic topic, std::string_view key, uint64_t key_hash);
  void PublishStats();
  std::chrono::milliseconds DeadAfter() const { return heartbeat_ * dead_after_heartbeats_; }

  const SubscriberOptions options_;
  const int dead_after_heartbeats_;
  PerTopic<Handler> handlers_;
  std::vector<Topic> wanted_;
  std::function<void()> on_in_sync_;
  std::function<void()> on_lost_;

  // Owned by the subscriber thread once started.
  zmq::context_t context_;
  zmq::socket_t sub_;
  std::optional<zmq::socket_t> dealer_;
  std::optional<SnapshotAssembler> assembler_;
  // The outstanding snapshot's objects, filled as items arrive and compared with the view at
  // install time. Left empty when streaming_.
  PerTopic<std::unordered_map<std::string, EncodedObject>> staged_;
  // The view was empty when the snapshot was requested (a late joiner): each item goes
  // straight into the view and to the handlers as it arrives, nothing is stored twice, and
  // decoding overlaps with receiving. Harmless if the reply fails: the view then holds real
  // objects, and the next snapshot compares against them as usual.
  bool streaming_ = false;
  // Some view entries may still carry an earlier epoch (BecomeInSync must look for them).
  bool may_hold_unconfirmed_ = false;
  std::vector<Message> queue_;  // updates received while a snapshot is outstanding
  Phase phase_ = Phase::kAwaitingSnapshot;
  bool have_snapshot_ = false;
  uint64_t epoch_ = 0;
  PerTopic<uint64_t> seqs_{};
  bool publisher_in_sync_ = false;  // for epoch_
  bool in_sync_reported_ = false;
  bool lost_ = false;  // a publisher timeout was declared and not yet recovered
  std::chrono::milliseconds heartbeat_;
  std::chrono::steady_clock::time_point last_heard_;
  std::chrono::steady_clock::time_point snapshot_requested_at_;
  // What the consumer was told, as digests (view_table.h): enough to report only real
  // differences after a re-snapshot, without a copy of every body.
  PerTopic<ViewTable> view_;
  // Reused for every message: no allocation per delivery once warm. The last group's frames
  // stay referenced until the next one is received.
  std::vector<Received> received_;
  std::string scratch_key_;
  EncodedObject scratch_object_;
  SubscriberStats stats_;

  std::thread thread_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex stats_mu_;
  SubscriberStats shared_stats_;  // guarded by stats_mu_
};

}  // namespace kr::bus
