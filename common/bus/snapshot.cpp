#include "common/bus/snapshot.h"

#include <algorithm>

namespace kr::bus {

SnapshotAssembler::SnapshotAssembler(const std::vector<Topic>& requested, ItemSink sink)
    : sink_(std::move(sink)) {
  for (Topic topic : requested) snapshot_.requested[Index(topic)] = true;
}

Expected<SnapshotAssembler::Progress> SnapshotAssembler::Feed(Message message) {
  const Header& header = message.header;
  if (!have_epoch_) {
    snapshot_.epoch = header.epoch;
    have_epoch_ = true;
  } else if (header.epoch != snapshot_.epoch) {
    return Error{EBADMSG, "snapshot reply mixes epochs"};
  }
  if (header.type == MessageType::kSnapshotItem) {
    if (!message.topic || !snapshot_.requested[Index(*message.topic)]) {
      return Error{EBADMSG, "snapshot item of unrequested topic " + message.topic_name};
    }
    const Topic topic = *message.topic;
    snapshot_.seqs[Index(topic)] = header.seq;
    EncodedObject object{header.schema, std::move(message.body)};
    if (sink_) {
      sink_(header, topic, std::move(message.key), std::move(object));
    } else {
      auto& objects = snapshot_.objects[Index(topic)];
      if (objects.empty()) objects.reserve(ExpectedObjects(header.seq));
      objects.insert_or_assign(std::move(message.key), std::move(object));
    }
    ++items_;
    ++topic_items_[Index(topic)];
    return Progress::kMore;
  }
  if (header.type != MessageType::kSnapshotEnd || message.topic_name != kControlTopic) {
    return Error{EBADMSG, "unexpected message type in snapshot reply"};
  }
  auto status = DecodeStatus(message.body);
  if (!status) return status.error();
  if (!status->error.empty()) return Error{EPROTO, "publisher refused: " + status->error};
  if (status->objects != items_) {
    return Error{EBADMSG, "snapshot announced " + std::to_string(status->objects) +
                              " objects, received " + std::to_string(items_)};
  }
  for (Topic topic : kAllTopics) {
    if (!snapshot_.requested[Index(topic)]) continue;
    auto it = status->seqs.find(topic);
    if (it == status->seqs.end()) {
      return Error{EBADMSG, "snapshot end lacks the sequence of " + std::string(TopicName(topic))};
    }
    if (topic_items_[Index(topic)] != 0 && it->second != snapshot_.seqs[Index(topic)]) {
      return Error{EBADMSG, "snapshot items and end disagree on a sequence"};
    }
    snapshot_.seqs[Index(topic)] = it->second;
  }
  snapshot_.in_sync = status->in_sync;
  snapshot_.heartbeat_ms = status->heartbeat_ms;
  return Progress::kDone;
}

size_t ExpectedObjects(uint64_t seq) {
  constexpr uint64_t kMaxExpected = 1 << 20;
  return static_cast<size_t>(std::min(seq, kMaxExpected));
}

void SendSnapshotRequest(zmq::socket_t& dealer, const std::vector<Topic>& topics) {
  const char version = static_cast<char>(kProtocolVersion);
  dealer.send(zmq::buffer(kSnapshotCommand), zmq::send_flags::sndmore);
  dealer.send(zmq::buffer(&version, 1),
              topics.empty() ? zmq::send_flags::none : zmq::send_flags::sndmore);
  for (size_t i = 0; i < topics.size(); ++i) {
    dealer.send(zmq::buffer(TopicName(topics[i])),
                i + 1 < topics.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
}

Expected<Snapshot> FetchSnapshot(zmq::context_t& context, const std::string& endpoint,
                                 std::vector<Topic> topics, std::chrono::milliseconds timeout) {
  if (topics.empty()) topics.assign(kAllTopics.begin(), kAllTopics.end());
  try {
    zmq::socket_t dealer(context, zmq::socket_type::dealer);
    dealer.set(zmq::sockopt::linger, 0);
    dealer.set(zmq::sockopt::rcvhwm, 0);
    dealer.connect(endpoint);
    SendSnapshotRequest(dealer, topics);
    SnapshotAssembler assembler(topics);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<zmq::message_t> frames;
    frames.reserve(kFramesPerMessage);
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return Error{ETIMEDOUT, "no snapshot from " + endpoint};
      if (!ReceiveMessage(dealer, frames, /*dont_wait=*/true)) {
        std::vector<zmq::pollitem_t> items{{dealer.handle(), 0, ZMQ_POLLIN, 0}};
        zmq::poll(items, left);
        continue;
      }
      auto message = ParseMessage(frames);
      if (!message) return message.error();
      auto progress = assembler.Feed(std::move(*message));
      if (!progress) return progress.error();
      if (*progress == SnapshotAssembler::Progress::kDone) return assembler.Take();
    }
  } catch (const zmq::error_t& e) {
    return Error{e.num(), std::string("snapshot from ") + endpoint + ": " + e.what()};
  }
}

}  // namespace kr::bus
