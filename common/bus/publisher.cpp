#include "common/bus/publisher.h"

#include <pthread.h>

#include <algorithm>
#include <optional>

namespace kr::bus {
namespace {

constexpr auto kMaxPollWait = std::chrono::milliseconds(50);  // bounds the stop latency
constexpr size_t kHeartbeatCheckEvery = 1024;                 // snapshot items between checks

}  // namespace

struct Publisher::SnapshotCopy {
  PerTopic<bool> requested{};
  PerTopic<uint64_t> seqs{};
  bool in_sync = false;
  std::vector<std::pair<Topic, std::shared_ptr<const StoredObject>>> entries;
};

Publisher::Publisher(const PublisherOptions& options)
    : options_(options),
      epoch_(options.epoch != 0 ? options.epoch : RandomEpoch()),
      context_(std::max(1, options.io_threads)),
      router_(context_, zmq::socket_type::router),
      pub_(context_, zmq::socket_type::pub) {
  stats_.epoch = epoch_;
}

Expected<std::unique_ptr<Publisher>> Publisher::Create(const PublisherOptions& options) {
  if (!options.bus_directory.empty()) {
    if (Status status = PrepareBusDirectory(options.bus_directory); !status) {
      return status.error();
    }
  }
  std::unique_ptr<Publisher> publisher(new Publisher(options));
  if (Status status = publisher->Bind(); !status) return status.error();
  {
    std::lock_guard lock(publisher->mu_);
    publisher->SendControlLocked(MessageType::kHeartbeat);
  }
  publisher->next_heartbeat_ = std::chrono::steady_clock::now() + options.heartbeat_interval;
  publisher->background_ = std::thread([p = publisher.get()] { p->RunBackground(); });
  return publisher;
}

Status Publisher::Bind() {
  try {
    router_.set(zmq::sockopt::linger, 0);
    router_.set(zmq::sockopt::router_mandatory, 1);
    router_.set(zmq::sockopt::sndhwm, 10000);
    // A blocked snapshot send wakes up this often to send heartbeats and check its deadline.
    router_.set(zmq::sockopt::sndtimeo, 20);
    pub_.set(zmq::sockopt::linger, 0);
    pub_.set(zmq::sockopt::sndhwm, options_.send_high_water_mark);
    // The snapshot socket first: a consumer that hears this epoch can always ask for it.
    router_.bind(options_.address.snapshot);
    pub_.bind(options_.address.updates);
    bound_ =
        BusAddress{pub_.get(zmq::sockopt::last_endpoint), router_.get(zmq::sockopt::last_endpoint)};
  } catch (const zmq::error_t& e) {
    return Error{e.num(), std::string("bind bus sockets: ") + e.what()};
  }
  if (Status s = RestrictSocketFile(options_.address.snapshot); !s) return s;
  return RestrictSocketFile(options_.address.updates);
}

Publisher::~Publisher() {
  stopping_ = true;
  if (background_.joinable()) background_.join();
}

Status Publisher::Upsert(Topic topic, const std::string& key, const nlohmann::json& value,
                         model::SchemaVersion schema) {
  auto bytes = nlohmann::json::to_cbor(value);
  return UpsertBody(topic, key, {reinterpret_cast<const char*>(bytes.data()), bytes.size()},
                    schema);
}

Status Publisher::UpsertEncoded(Topic topic, const std::string& key, std::string_view cbor,
                                model::SchemaVersion schema) {
  return UpsertBody(topic, key, cbor, schema);
}

// The body is copied once, into the stored object's block.
Status Publisher::UpsertBody(Topic topic, const std::string& key, std::string_view cbor,
                             model::SchemaVersion schema) {
  std::lock_guard lock(mu_);
  TopicObjects& objects = state_[Index(topic)];
  TopicObjects::Object* current = objects.Find(key);
  if (current != nullptr && (*current)->schema() == schema && (*current)->body() == cbor) {
    ++stats_.unchanged_skipped;
    return Status::Ok();
  }
  auto stored = StoredObject::Make(key, schema, cbor);
  std::string_view body = stored->body();  // the state keeps the object alive
  if (current != nullptr) {
    *current = std::move(stored);
  } else {
    objects.Insert(std::move(stored));
  }
  return PublishLocked(topic, key, MessageType::kUpsert, schema, body);
}

Status Publisher::Delete(Topic topic, const std::string& key) {
  std::lock_guard lock(mu_);
  if (!state_[Index(topic)].Erase(key)) return Status::Ok();
  return PublishLocked(topic, key, MessageType::kDelete, SupportedSchema(topic), "");
}

// The state changes even when the send fails: the sequence still advances, so consumers see
// a gap and re-snapshot instead of silently missing the change.
Status Publisher::PublishLocked(Topic topic, std::string_view key, MessageType type,
                                model::SchemaVersion schema, std::string_view body) {
  uint64_t seq = ++stats_.seqs[Index(topic)];
  stats_.objects[Index(topic)] = state_[Index(topic)].size();
  Pending& pending = pending_[Index(topic)];
  Status status = Status::Ok();
  if (pending.entries.count() > 0 &&
      pending.entries.size() + kBatchEntryOverhead + key.size() + body.size() > kMaxBatchBytes) {
    status = SendBatchLocked(topic);
  }
  if (pending.entries.count() == 0) pending.first_seq = seq;
  pending.entries.Add(type, schema, key, body);
  if (open_batches_ == 0 || pending.entries.count() >= kMaxBatchEntries ||
      pending.entries.size() >= kMaxBatchBytes) {
    Status sent = SendBatchLocked(topic);
    if (status) status = sent;
  }
  return status;
}

// The buffer is emptied even when the send fails (see PublishLocked).
Status Publisher::SendBatchLocked(Topic topic) {
  Pending& pending = pending_[Index(topic)];
  const uint32_t count = pending.entries.count();
  if (count == 0) return Status::Ok();
  const auto header =
      HeaderBytes(Header{kProtocolVersion, MessageType::kBatch, {}, epoch_, pending.first_seq});
  const auto start = std::chrono::steady_clock::now();
  Status status = Status::Ok();
  try {
    SendMessage(pub_, nullptr, TopicName(topic), std::string_view(header.data(), header.size()), "",
                pending.entries.Finish(), /*dont_wait=*/false);
    stats_.publish_latency.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    stats_.deltas_published += count;
    ++stats_.batches_published;
  } catch (const zmq::error_t& e) {
    status = Error{e.num(), std::string("publish on bus: ") + e.what()};
  }
  pending.entries.Clear();
  pending.first_seq = 0;
  return status;
}

Status Publisher::FlushLocked() {
  Status status = Status::Ok();
  for (Topic topic : kAllTopics) {
    Status sent = SendBatchLocked(topic);
    if (status) status = sent;
  }
  return status;
}

Publisher::BatchScope Publisher::BeginBatch() {
  std::lock_guard lock(mu_);
  ++open_batches_;
  return BatchScope(this);
}

void Publisher::EndBatch() {
  std::lock_guard lock(mu_);
  if (--open_batches_ == 0) (void)FlushLocked();
}

Status Publisher::Flush() {
  std::lock_guard lock(mu_);
  return FlushLocked();
}

void Publisher::Reserve(Topic topic, size_t objects) {
  std::lock_guard lock(mu_);
  state_[Index(topic)].Reserve(objects);
}

void Publisher::MarkInSync() {
  std::lock_guard lock(mu_);
  if (stats_.in_sync) return;
  stats_.in_sync = true;
  SendControlLocked(MessageType::kInSync);
}

void Publisher::SendControlLocked(MessageType type) {
  (void)FlushLocked();  // the sequences announced below must all have been sent
  BusStatus status;
  status.in_sync = stats_.in_sync;
  status.heartbeat_ms = static_cast<uint32_t>(options_.heartbeat_interval.count());
  for (Topic topic : kAllTopics) status.seqs[topic] = stats_.seqs[Index(topic)];
  std::string header = EncodeHeader(Header{kProtocolVersion, type, {}, epoch_, 0});
  try {
    SendMessage(pub_, nullptr, kControlTopic, header, "", EncodeStatus(status), false);
    if (type == MessageType::kHeartbeat) ++stats_.heartbeats_sent;
  } catch (const zmq::error_t&) {
    // Only at shutdown; a lost heartbeat is covered by the next one.
  }
}

Status Publisher::SendRawForTest(const std::vector<std::string>& frames) {
  std::lock_guard lock(mu_);
  try {
    for (size_t i = 0; i < frames.size(); ++i) {
      pub_.send(zmq::buffer(frames[i]),
                i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }
  } catch (const zmq::error_t& e) {
    return Error{e.num(), std::string("raw send: ") + e.what()};
  }
  return Status::Ok();
}

PublisherStats Publisher::Stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

std::map<Topic, std::map<std::string, nlohmann::json>> Publisher::CopyState() const {
  std::lock_guard lock(mu_);
  std::map<Topic, std::map<std::string, nlohmann::json>> out;
  for (Topic topic : kAllTopics) {
    auto& objects = out[topic];
    for (const auto& entry : state_[Index(topic)].objects()) {
      objects[std::string(entry->key())] = nlohmann::json::from_cbor(entry->body(), true, false);
    }
  }
  return out;
}

void Publisher::RunBackground() {
  pthread_setname_np(pthread_self(), "kr-bus-pub");  // for top -H and perf
  while (!stopping_) {
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
        next_heartbeat_ - std::chrono::steady_clock::now());
    wait = std::clamp(wait, std::chrono::milliseconds(0), kMaxPollWait);
    std::vector<zmq::pollitem_t> items{{router_.handle(), 0, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, wait);
    } catch (const zmq::error_t&) {
      continue;  // EINTR
    }
    if (items[0].revents & ZMQ_POLLIN) ServeSnapshotRequest();
    MaybeHeartbeat();
  }
}

void Publisher::MaybeHeartbeat() {
  auto now = std::chrono::steady_clock::now();
  if (now < next_heartbeat_) return;
  next_heartbeat_ = now + options_.heartbeat_interval;
  std::lock_guard lock(mu_);
  SendControlLocked(MessageType::kHeartbeat);
}

void Publisher::ServeSnapshotRequest() {
  std::vector<zmq::message_t> frames;
  try {
    if (!ReceiveMessage(router_, frames, true)) {
      return;
    }
  } catch (const zmq::error_t&) {
    return;
  }
  if (frames.empty()) return;
  const zmq::message_t& identity = frames[0];

  SnapshotCopy copy;
  std::string refusal;
  if (frames.size() < 3 || frames[1].to_string_view() != kSnapshotCommand) {
    refusal = "unknown command";
  } else if (frames[2].size() != 1 || *frames[2].data<uint8_t>() != kProtocolVersion) {
    refusal = "unsupported protocol version";
  } else if (frames.size() == 3) {
    copy.requested.fill(true);
  } else {
    for (size_t i = 3; i < frames.size(); ++i) {
      auto topic = ParseTopic(frames[i].to_string_view());
      if (!topic) {
        refusal = "unknown topic " + frames[i].to_string();
        break;
      }
      copy.requested[Index(*topic)] = true;
    }
  }

  if (refusal.empty()) {
    std::lock_guard lock(mu_);
    // The snapshot reflects exactly the sequences already on the wire: nothing it covers is
    // still buffered, so a consumer never holds a sequence ahead of the stream it reads.
    (void)FlushLocked();
    copy.in_sync = stats_.in_sync;
    copy.seqs = stats_.seqs;
    for (Topic topic : kAllTopics) {
      if (!copy.requested[Index(topic)]) continue;
      for (const auto& entry : state_[Index(topic)].objects())
        copy.entries.emplace_back(topic, entry);
    }
  }

  const auto deadline = std::chrono::steady_clock::now() + options_.snapshot_send_timeout;
  size_t sent = 0;
  std::string item_header;  // the same for every item of one topic and schema: encoded once
  Header last{kProtocolVersion, MessageType::kSnapshotItem, {}, epoch_, 0};
  std::optional<Topic> header_topic;
  constexpr size_t kPrefetchAhead = 8;  // entries are scattered: hide the cache misses
  for (size_t i = 0; i < copy.entries.size(); ++i) {
    if (i + kPrefetchAhead < copy.entries.size()) {
      const StoredObject* ahead = copy.entries[i + kPrefetchAhead].second.get();
      __builtin_prefetch(ahead);
      __builtin_prefetch(ahead->body().data());
    }
    const auto& [topic, entry] = copy.entries[i];
    if (header_topic != topic || !(last.schema == entry->schema())) {
      header_topic = topic;
      last.schema = entry->schema();
      last.seq = copy.seqs[Index(topic)];
      item_header = EncodeHeader(last);
    }
    if (!SendReply(identity, TopicName(topic), item_header, entry->key(), entry->body(),
                   deadline)) {
      std::lock_guard lock(mu_);
      ++stats_.snapshots_abandoned;
      return;
    }
    if (++sent % kHeartbeatCheckEvery == 0) MaybeHeartbeat();
  }

  BusStatus end;
  end.in_sync = copy.in_sync;
  end.heartbeat_ms = static_cast<uint32_t>(options_.heartbeat_interval.count());
  end.objects = copy.entries.size();
  end.error = refusal;
  for (Topic topic : kAllTopics) {
    if (copy.requested[Index(topic)]) end.seqs[topic] = copy.seqs[Index(topic)];
  }
  Header header{kProtocolVersion, MessageType::kSnapshotEnd, {}, epoch_, 0};
  bool ok =
      SendReply(identity, kControlTopic, EncodeHeader(header), "", EncodeStatus(end), deadline);
  std::lock_guard lock(mu_);
  if (!refusal.empty()) {
    ++stats_.bad_snapshot_requests;
  } else if (ok) {
    ++stats_.snapshots_served;
  } else {
    ++stats_.snapshots_abandoned;
  }
}

// Blocks while the reader's queue is full (ROUTER_MANDATORY reports EAGAIN after the send
// timeout instead of dropping), keeping heartbeats going between attempts; gives up at the
// deadline or when the reader is gone.
bool Publisher::SendReply(const zmq::message_t& identity, std::string_view topic,
                          std::string_view header, std::string_view key, std::string_view body,
                          std::chrono::steady_clock::time_point deadline) {
  while (!stopping_) {
    try {
      if (SendMessage(router_, &identity, topic, header, key, body, /*dont_wait=*/false)) {
        return true;
      }
    } catch (const zmq::error_t&) {
      return false;  // EHOSTUNREACH: the reader disconnected
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    MaybeHeartbeat();
  }
  return false;
}

}  // namespace kr::bus
