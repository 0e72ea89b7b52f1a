#include "common/bus/subscriber.h"

#include <pthread.h>

#include <algorithm>

namespace kr::bus {
namespace {

constexpr auto kMaxPollWait = std::chrono::milliseconds(50);  // bounds the stop latency
constexpr size_t kMessagesBetweenTimerChecks = 4096;
// Messages already queued are received in groups this large (never waiting for more), and
// the entries of a BATCH are applied in groups this large, their view lookups prefetched.
constexpr size_t kPrefetchGroup = 32;

}  // namespace

Subscriber::Subscriber(SubscriberOptions options)
    : options_(std::move(options)),
      dead_after_heartbeats_(std::max(1, options_.dead_after_heartbeats)),
      context_(1),
      sub_(context_, zmq::socket_type::sub),
      heartbeat_(options_.initial_heartbeat),
      received_(kPrefetchGroup) {}

Subscriber::~Subscriber() {
  Stop();
}

void Subscriber::OnRaw(Topic topic, UpsertFn upsert, DeleteFn remove) {
  Handler& handler = handlers_[Index(topic)];
  if (!handler.wanted) wanted_.push_back(topic);
  handler = Handler{true, std::move(upsert), nullptr, nullptr, std::move(remove)};
}

void Subscriber::OnEncoded(Topic topic, EncodedUpsertFn upsert, DeleteFn remove) {
  Handler& handler = handlers_[Index(topic)];
  if (!handler.wanted) wanted_.push_back(topic);
  handler = Handler{true, nullptr, std::move(upsert), nullptr, std::move(remove)};
}

void Subscriber::OnBody(Topic topic, BodyUpsertFn upsert, DeleteFn remove) {
  Handler& handler = handlers_[Index(topic)];
  if (!handler.wanted) wanted_.push_back(topic);
  handler = Handler{true, nullptr, nullptr, std::move(upsert), std::move(remove)};
}

Status Subscriber::Start() {
  try {
    sub_.set(zmq::sockopt::linger, 0);
    sub_.set(zmq::sockopt::rcvhwm, options_.receive_high_water_mark);
    sub_.set(zmq::sockopt::subscribe, kControlTopic);
    for (Topic topic : wanted_) sub_.set(zmq::sockopt::subscribe, TopicName(topic));
    sub_.connect(options_.address.updates);
  } catch (const zmq::error_t& e) {
    return Error{e.num(), std::string("connect bus subscriber: ") + e.what()};
  }
  last_heard_ = std::chrono::steady_clock::now();
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void Subscriber::Stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

SubscriberStats Subscriber::Stats() const {
  std::lock_guard lock(stats_mu_);
  return shared_stats_;
}

void Subscriber::Run() {
  pthread_setname_np(pthread_self(), "kr-bus-sub");  // for top -H and perf
  // Subscribed first (Start), so every delta after the snapshot is queued, not lost.
  RequestSnapshot();
  while (!stopping_) {
    std::array<zmq::pollitem_t, 2> items{
        {{sub_.handle(), 0, ZMQ_POLLIN, 0},
         {dealer_ ? dealer_->handle() : nullptr, 0, ZMQ_POLLIN, 0}}};
    if (zmq_poll(items.data(), dealer_ ? 2 : 1, kMaxPollWait.count()) < 0) continue;  // EINTR
    if (items[0].revents & ZMQ_POLLIN) DrainUpdates();
    if (dealer_ && (items[1].revents & ZMQ_POLLIN)) DrainSnapshot();
    CheckTimers();
    PublishStats();
  }
}

void Subscriber::RequestSnapshot() {
  if (have_snapshot_ || stats_.snapshot_requests > 0) ++stats_.resnapshots;
  ++stats_.snapshot_requests;
  // A fresh DEALER per request: a late reply to an abandoned request can never arrive.
  dealer_.reset();
  dealer_.emplace(context_, zmq::socket_type::dealer);
  dealer_->set(zmq::sockopt::linger, 0);
  dealer_->set(zmq::sockopt::rcvhwm, 0);
  dealer_->connect(options_.address.snapshot);
  SendSnapshotRequest(*dealer_, wanted_);
  streaming_ = true;
  for (Topic topic : wanted_) {
    streaming_ = streaming_ && view_[Index(topic)].empty();
    staged_[Index(topic)] = {};
    if (!streaming_) staged_[Index(topic)].reserve(view_[Index(topic)].size());
  }
  assembler_.emplace(
      wanted_, [this](const Header& header, Topic topic, std::string key, EncodedObject object) {
        if (streaming_) {
          if (!Deliver(topic, key, object)) return;
          auto& view = view_[Index(topic)];
          if (view.empty()) view.Reserve(ExpectedObjects(header.seq));
          const uint64_t key_hash = HashBytes(key);
          const ObjectDigest digest = DigestOf(object.schema, object.body);
          if (ViewTable::Entry* entry = view.Find(key, key_hash)) {
            entry->digest = digest;
            entry->epoch = header.epoch;
          } else {
            view.Insert(key, key_hash, digest, header.epoch);
          }
        } else {
          staged_[Index(topic)].insert_or_assign(std::move(key), std::move(object));
        }
      });
  // Everything queued so far was sent before this request, so the reply covers it.
  queue_.clear();
  phase_ = Phase::kAwaitingSnapshot;
  snapshot_requested_at_ = std::chrono::steady_clock::now();
}

void Subscriber::DrainUpdates() {
  size_t taken = 0;
  while (taken < kMessagesBetweenTimerChecks) {
    size_t count = 0;
    while (count < received_.size() && ReceiveUpdate(received_[count])) ++count;
    if (count == 0) return;
    taken += count;
    last_heard_ = std::chrono::steady_clock::now();
    stats_.publisher_alive = true;
    if (lost_) {
      // The request sent while the publisher was silent may have gone to a dead peer.
      lost_ = false;
      RequestSnapshot();
    }
    for (size_t i = 0; i < count; ++i) {
      if (received_[i].count != kFramesPerMessage) {
        ++stats_.malformed;
        continue;
      }
      auto message = ParseMessageView(received_[i].frames);
      if (!message) {
        ++stats_.malformed;
        continue;
      }
      HandleUpdate(*message);
    }
    // Even after a short group the socket is read again: a handler may have taken long, and
    // what arrived meanwhile must refresh last_heard_ before the timers are checked.
  }
}

bool Subscriber::ReceiveUpdate(Received& received) {
  received.count = 0;
  if (!sub_.recv(received.frames[0], zmq::recv_flags::dontwait)) return false;
  bool more = received.frames[0].more();
  received.count = 1;
  zmq::message_t extra;
  while (more) {  // the rest of a multipart message is already there: it arrives atomically
    zmq::message_t& part =
        received.count < received.frames.size() ? received.frames[received.count] : extra;
    (void)sub_.recv(part, zmq::recv_flags::none);
    more = part.more();
    ++received.count;
  }
  return true;
}

void Subscriber::DrainSnapshot() {
  std::vector<zmq::message_t> frames;
  frames.reserve(kFramesPerMessage);
  while (dealer_) {
    if (!ReceiveMessage(*dealer_, frames, true)) {
      return;
    }
    auto message = ParseMessage(frames);
    Expected<SnapshotAssembler::Progress> progress =
        message ? assembler_->Feed(std::move(*message))
                : Expected<SnapshotAssembler::Progress>(message.error());
    if (!progress) {
      ++stats_.snapshot_failures;
      if (!message) ++stats_.malformed;
      RequestSnapshot();
      return;
    }
    if (*progress == SnapshotAssembler::Progress::kDone) {
      Install(assembler_->Take());
      return;
    }
  }
}

void Subscriber::CheckTimers() {
  auto now = std::chrono::steady_clock::now();
  if (now - last_heard_ > DeadAfter() && stats_.publisher_alive) {
    stats_.publisher_alive = false;
    ++stats_.publisher_timeouts;
    lost_ = true;
    if (on_lost_) on_lost_();
    RequestSnapshot();  // keeps the view; the reply or the next heartbeat decides
    return;
  }
  auto timeout = lost_ ? DeadAfter() : std::max(options_.snapshot_timeout, DeadAfter());
  if (phase_ == Phase::kAwaitingSnapshot && now - snapshot_requested_at_ > timeout) {
    ++stats_.snapshot_failures;
    RequestSnapshot();
  }
}

void Subscriber::HandleUpdate(const MessageView& message) {
  if (phase_ == Phase::kAwaitingSnapshot) {
    queue_.push_back(message.ToMessage());
    return;
  }
  ProcessLive(message);
}

void Subscriber::ProcessLive(const MessageView& message) {
  const Header& header = message.header;
  if (!message.topic && message.topic_name != kControlTopic) {
    ++stats_.ignored;
    return;
  }
  if (header.epoch != epoch_) {
    RequestSnapshot();  // a new publisher; counted as an epoch change once installed
    return;
  }
  if (!message.topic) {
    ProcessControl(message);
    return;
  }
  const Topic topic = *message.topic;
  if (header.type != MessageType::kBatch) {
    ++stats_.malformed;
    return;
  }
  if (!handlers_[Index(topic)].wanted) {
    ++stats_.ignored;
    return;
  }
  ProcessBatch(topic, header.seq, message.body);
}

// SPEC section 8 step 5, per entry: entry i carries first_seq + i.
void Subscriber::ProcessBatch(Topic topic, uint64_t first_seq, std::string_view body) {
  BatchReader reader(body);
  uint64_t& seq = seqs_[Index(topic)];
  if (!reader.valid() || first_seq == 0) {
    // Which sequences it held is unknown: recovered like a gap.
    ++stats_.malformed;
    RequestSnapshot();
    return;
  }
  if (first_seq > seq + 1) {
    ++stats_.gaps;
    RequestSnapshot();
    return;
  }
  if (first_seq - 1 + reader.count() <= seq) {  // wholly covered by the snapshot
    stats_.duplicates += reader.count();
    return;
  }
  uint64_t next_seq = first_seq;
  // Entries are taken in groups whose view lookups are prefetched together, so the cache
  // misses overlap instead of adding up.
  std::array<BatchEntry, kPrefetchGroup> group;
  std::array<uint64_t, kPrefetchGroup> key_hashes{};
  auto& view = view_[Index(topic)];
  for (;;) {
    size_t count = 0;
    BatchReader::Result result = BatchReader::Result::kEntry;
    while (count < group.size() &&
           (result = reader.Next(group[count])) == BatchReader::Result::kEntry) {
      ++count;
    }
    for (size_t i = 0; i < count; ++i) {
      key_hashes[i] = HashBytes(group[i].key);
      view.PrefetchSlot(key_hashes[i]);
    }
    for (size_t i = 0; i < count; ++i) view.PrefetchEntry(key_hashes[i]);
    for (size_t i = 0; i < count; ++i) {
      if (next_seq++ <= seq) {
        ++stats_.duplicates;
        continue;
      }
      seq = next_seq - 1;
      ++stats_.deltas_applied;
      const BatchEntry& entry = group[i];
      if (entry.type == MessageType::kUpsert) {
        ApplyUpsert(topic, entry.key, key_hashes[i], entry.schema, entry.body);
      } else {
        ApplyDelete(topic, entry.key, key_hashes[i]);
      }
    }
    if (result == BatchReader::Result::kEnd) return;
    if (result == BatchReader::Result::kMalformed) {
      // The rest of the batch is lost, and with it an unknown number of sequences: applying
      // later batches would skip them silently, so recover as from a gap.
      ++stats_.malformed;
      RequestSnapshot();
      return;
    }
  }
}

void Subscriber::ProcessControl(const MessageView& message) {
  if (message.header.type != MessageType::kHeartbeat &&
      message.header.type != MessageType::kInSync) {
    ++stats_.malformed;
    return;
  }
  auto status = DecodeStatus(message.body);
  if (!status) {
    ++stats_.malformed;
    return;
  }
  ++stats_.heartbeats_received;
  if (status->heartbeat_ms > 0) heartbeat_ = std::chrono::milliseconds(status->heartbeat_ms);
  for (Topic topic : wanted_) {
    auto it = status->seqs.find(topic);
    if (it != status->seqs.end() && it->second > seqs_[Index(topic)]) {
      ++stats_.gaps;  // the tail of the stream was lost: no later delta would reveal it
      RequestSnapshot();
      return;
    }
  }
  if (status->in_sync) BecomeInSync();
}

void Subscriber::Install(const Snapshot& snapshot) {
  if (have_snapshot_ && snapshot.epoch != epoch_) ++stats_.epoch_changes;
  if (snapshot.epoch != epoch_) publisher_in_sync_ = false;
  epoch_ = snapshot.epoch;
  seqs_ = snapshot.seqs;
  if (snapshot.heartbeat_ms > 0) heartbeat_ = std::chrono::milliseconds(snapshot.heartbeat_ms);
  have_snapshot_ = true;
  phase_ = Phase::kLive;
  // A reply is a sign of life too; silence on the update socket from here on is not.
  last_heard_ = std::chrono::steady_clock::now();
  stats_.publisher_alive = true;
  lost_ = false;
  dealer_.reset();
  assembler_.reset();
  ++stats_.snapshots_applied;

  for (Topic topic : wanted_) {
    if (streaming_) break;  // the view was filled as the items arrived
    auto& incoming = staged_[Index(topic)];
    auto& view = view_[Index(topic)];
    if (view.empty()) {
      // Nothing to compare with: every object is new.
      view.Reserve(incoming.size());
      for (const auto& [key, object] : incoming) {
        if (Deliver(topic, key, object)) {
          view.Insert(key, HashBytes(key), DigestOf(object.schema, object.body), epoch_);
        }
      }
      incoming = {};
      continue;
    }
    // Objects of an earlier epoch may survive a snapshot that is not in-sync.
    if (!snapshot.in_sync) may_hold_unconfirmed_ = true;
    for (const auto& [key, object] : incoming) {
      ApplyUpsert(topic, key, HashBytes(key), object.schema, object.body);
    }
    // Missing from the snapshot: deleted if the snapshot is complete, or if this epoch had
    // confirmed the object; otherwise perhaps not listed yet by a new publisher.
    std::vector<std::string> gone;
    for (const ViewTable::Entry& entry : view.entries()) {
      if (!incoming.contains(entry.key) && (snapshot.in_sync || entry.epoch == epoch_)) {
        gone.push_back(entry.key);
      }
    }
    incoming = {};
    for (const auto& key : gone) ApplyDelete(topic, key, HashBytes(key));
  }
  if (snapshot.in_sync) BecomeInSync();

  std::vector<Message> queued = std::move(queue_);
  queue_.clear();
  for (Message& message : queued) {
    if (phase_ != Phase::kLive) break;  // a re-snapshot started; it covers the rest
    if (message.header.epoch != epoch_) {
      ++stats_.stale_dropped;  // the previous publisher's, or a newer one's heartbeat will come
      continue;
    }
    ProcessLive(MessageView::Of(message));
  }
}

void Subscriber::BecomeInSync() {
  if (!publisher_in_sync_) {
    publisher_in_sync_ = true;
    for (Topic topic : may_hold_unconfirmed_ ? wanted_ : std::vector<Topic>{}) {
      std::vector<std::string> unconfirmed;
      for (const ViewTable::Entry& entry : view_[Index(topic)].entries()) {
        if (entry.epoch != epoch_) unconfirmed.push_back(entry.key);
      }
      for (const auto& key : unconfirmed) ApplyDelete(topic, key, HashBytes(key));
    }
    may_hold_unconfirmed_ = false;
  }
  if (!in_sync_reported_) {
    in_sync_reported_ = true;
    if (on_in_sync_) on_in_sync_();
  }
}

void Subscriber::ApplyUpsert(Topic topic, std::string_view key, uint64_t key_hash,
                             model::SchemaVersion schema, std::string_view body) {
  auto& view = view_[Index(topic)];
  ViewTable::Entry* entry = view.Find(key, key_hash);
  const ObjectDigest digest = DigestOf(schema, body);
  if (entry != nullptr && entry->digest == digest) {
    entry->epoch = epoch_;  // unchanged: only confirmed
    return;
  }
  // The handlers cannot reach the view, so `entry` stays valid across the call.
  if (!Deliver(topic, key, schema, body)) {
    if (entry != nullptr) entry->epoch = epoch_;  // it exists, even if unreadable
    return;
  }
  if (entry != nullptr) {
    entry->digest = digest;
    entry->epoch = epoch_;
  } else {
    view.Insert(key, key_hash, digest, epoch_);
  }
}

bool Subscriber::Deliver(Topic topic, std::string_view key, model::SchemaVersion schema,
                         std::string_view body) {
  const Handler& handler = handlers_[Index(topic)];
  if (handler.body_upsert) {
    if (schema.major != SupportedSchema(topic).major) {
      ++stats_.unknown_version;
      return false;
    }
    scratch_key_.assign(key);
    return Counted(handler.body_upsert(scratch_key_, body));
  }
  scratch_key_.assign(key);
  scratch_object_.schema = schema;
  scratch_object_.body.assign(body);
  return Deliver(topic, scratch_key_, scratch_object_);
}

bool Subscriber::Deliver(Topic topic, const std::string& key, const EncodedObject& object) {
  if (object.schema.major != SupportedSchema(topic).major) {
    ++stats_.unknown_version;
    return false;
  }
  const Handler& handler = handlers_[Index(topic)];
  if (handler.body_upsert) return Counted(handler.body_upsert(key, object.body));
  if (handler.encoded_upsert) return Counted(handler.encoded_upsert(key, object));
  nlohmann::json value = nlohmann::json::from_cbor(object.body, /*strict=*/true,
                                                   /*allow_exceptions=*/false);
  if (value.is_discarded() || !value.is_object()) {
    ++stats_.malformed;
    return false;
  }
  return Counted(handler.upsert ? handler.upsert(key, value) : Status::Ok());
}

bool Subscriber::Counted(Status status) {
  if (!status) {
    ++stats_.malformed;
    return false;
  }
  ++stats_.upserts_delivered;
  return true;
}

void Subscriber::ApplyDelete(Topic topic, std::string_view key, uint64_t key_hash) {
  if (!view_[Index(topic)].Erase(key, key_hash)) return;
  const Handler& handler = handlers_[Index(topic)];
  scratch_key_.assign(key);
  if (handler.remove) handler.remove(scratch_key_);
  ++stats_.deletes_delivered;
}

void Subscriber::PublishStats() {
  stats_.epoch = epoch_;
  stats_.in_sync = in_sync_reported_ && publisher_in_sync_;
  stats_.seqs = seqs_;
  for (Topic topic : kAllTopics) stats_.objects[Index(topic)] = view_[Index(topic)].size();
  std::lock_guard lock(stats_mu_);
  shared_stats_ = stats_;
}

}  // namespace kr::bus
