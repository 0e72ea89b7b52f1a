// The consumer side of a snapshot exchange (proto/SPEC.md section 3, "Snapshot request"):
// sending the request on a DEALER and assembling the reply into a Snapshot.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>
#include <zmq.hpp>

#include "common/base/expected.h"
#include "common/bus/topic.h"
#include "common/bus/wire.h"

namespace kr::bus {

struct Snapshot {
  uint64_t epoch = 0;
  bool in_sync = false;
  uint32_t heartbeat_ms = 0;
  PerTopic<bool> requested{};
  PerTopic<uint64_t> seqs{};  // sequence each topic's part reflects
  PerTopic<std::unordered_map<std::string, EncodedObject>> objects;
};

// Collects SNAPSHOT_ITEMs until SNAPSHOT_END and checks the reply's consistency (one epoch,
// announced object count, every requested topic's sequence present). Single-threaded.
class SnapshotAssembler {
 public:
  // Receives each item instead of Snapshot::objects, so a consumer can fill its own map
  // directly rather than copy the assembled one (Take() then returns no objects). Items reach
  // it before the reply is known to be complete and consistent.
  using ItemSink =
      std::function<void(const Header& header, Topic topic, std::string key, EncodedObject object)>;

  explicit SnapshotAssembler(const std::vector<Topic>& requested, ItemSink sink = nullptr);

  // kMore: keep feeding; kDone: Take() the snapshot. An Error means the reply is unusable
  // and the request must be repeated on a fresh DEALER.
  enum class Progress { kMore, kDone };
  Expected<Progress> Feed(Message message);
  Snapshot Take() { return std::move(snapshot_); }

 private:
  Snapshot snapshot_;
  ItemSink sink_;
  uint64_t items_ = 0;
  PerTopic<uint64_t> topic_items_{};
  bool have_epoch_ = false;
};

// How many objects a topic's part of a snapshot may hold, from the sequence it reflects: every
// object took at least one delta. Capped, as after many updates the sequence overstates it.
// For sizing maps before the items arrive (rehashing a large map costs more than filling it).
size_t ExpectedObjects(uint64_t seq);

// Frames: ["snapshot", version byte, topic names...].
void SendSnapshotRequest(zmq::socket_t& dealer, const std::vector<Topic>& topics);

// Blocking fetch on a fresh DEALER, for tools and tests. `topics` empty means all.
Expected<Snapshot> FetchSnapshot(zmq::context_t& context, const std::string& endpoint,
                                 std::vector<Topic> topics, std::chrono::milliseconds timeout);

}  // namespace kr::bus
