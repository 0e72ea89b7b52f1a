// kr-bus tap: every delta on the update socket as one JSON line, as it arrives (no snapshot,
// no reordering: the raw stream, sequence numbers included). A BATCH message prints one line
// per entry, each with its own sequence.
#include <cstdio>
#include <iostream>

#include "tools/kr-bus/commands.h"

namespace kr::busctl {
namespace {

const char* TypeName(bus::MessageType type) {
  switch (type) {
    case bus::MessageType::kUpsert:
      return "upsert";
    case bus::MessageType::kDelete:
      return "delete";
    case bus::MessageType::kHeartbeat:
      return "heartbeat";
    case bus::MessageType::kInSync:
      return "in-sync";
    case bus::MessageType::kSnapshotItem:
      return "snapshot-item";
    case bus::MessageType::kSnapshotEnd:
      return "snapshot-end";
    case bus::MessageType::kBatch:
      return "batch";
  }
  return "unknown";
}

nlohmann::json DescribeEntry(const bus::Message& message, const bus::BatchEntry& entry,
                             uint64_t seq) {
  nlohmann::json line{
      {"topic", message.topic_name},
      {"type", TypeName(entry.type)},
      {"epoch", EpochHex(message.header.epoch)},
      {"seq", seq},
      {"key", entry.key},
      {"schema", std::to_string(entry.schema.major) + "." + std::to_string(entry.schema.minor)}};
  if (entry.type == bus::MessageType::kUpsert) {
    auto value = nlohmann::json::from_cbor(entry.body, true, false);
    if (value.is_discarded()) {
      line["error"] = "body is not valid CBOR";
    } else {
      line["value"] = std::move(value);
    }
  }
  return line;
}

// The lines of one message: one per batch entry, or one for a "$bus" message.
std::vector<nlohmann::json> Describe(const bus::Message& message) {
  const bus::Header& header = message.header;
  std::vector<nlohmann::json> lines;
  if (message.topic && header.type == bus::MessageType::kBatch) {
    bus::BatchReader reader(message.body);
    bus::BatchEntry entry;
    uint64_t seq = header.seq;
    auto result = bus::BatchReader::Result::kMalformed;
    while (reader.valid() && (result = reader.Next(entry)) == bus::BatchReader::Result::kEntry) {
      lines.push_back(DescribeEntry(message, entry, seq++));
    }
    if (result == bus::BatchReader::Result::kMalformed) {
      lines.push_back({{"topic", message.topic_name},
                       {"type", "batch"},
                       {"epoch", EpochHex(header.epoch)},
                       {"seq", seq},
                       {"error", "malformed batch: the entries from this sequence on are lost"}});
    }
    return lines;
  }
  nlohmann::json line{{"topic", message.topic_name},
                      {"type", TypeName(header.type)},
                      {"epoch", EpochHex(header.epoch)}};
  if (message.topic) {
    line["error"] = "unexpected message type on the update socket";
    return {line};
  }
  auto status = bus::DecodeStatus(message.body);
  if (!status) {
    line["error"] = status.error().message;
    return {line};
  }
  line["inSync"] = status->in_sync;
  line["heartbeatMs"] = status->heartbeat_ms;
  nlohmann::json seqs = nlohmann::json::object();
  for (const auto& [topic, seq] : status->seqs) seqs[std::string(bus::TopicName(topic))] = seq;
  line["seqs"] = seqs;
  return {line};
}

}  // namespace

int Tap(const CommonOptions& common, const TapOptions& options) {
  zmq::context_t context;
  zmq::socket_t sub(context, zmq::socket_type::sub);
  sub.set(zmq::sockopt::linger, 0);
  sub.set(zmq::sockopt::rcvhwm, 0);
  if (common.topics.empty()) {
    sub.set(zmq::sockopt::subscribe, "");
  } else {
    for (bus::Topic topic : common.topics) sub.set(zmq::sockopt::subscribe, bus::TopicName(topic));
    if (options.heartbeats) sub.set(zmq::sockopt::subscribe, bus::kControlTopic);
  }
  sub.connect(common.address.updates);

  const auto start = std::chrono::steady_clock::now();
  uint64_t printed = 0;
  while (!StopRequested()) {
    if (options.count && printed >= *options.count) break;
    if (options.seconds &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >=
            *options.seconds) {
      break;
    }
    std::vector<zmq::pollitem_t> items{{sub.handle(), 0, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, std::chrono::milliseconds(100));
    } catch (const zmq::error_t&) {
      continue;  // EINTR: the loop condition sees the stop request
    }
    if (!(items[0].revents & ZMQ_POLLIN)) continue;
    std::vector<zmq::message_t> frames;
    if (!bus::ReceiveMessage(sub, frames, true)) continue;
    auto message = bus::ParseMessage(frames);
    if (!message) {
      std::cout << nlohmann::json{{"error", message.error().message}}.dump() << "\n" << std::flush;
      continue;
    }
    if (!message->topic && !options.heartbeats) continue;
    for (const nlohmann::json& line : Describe(*message)) {
      if (options.count && printed >= *options.count) break;
      std::cout << line.dump() << "\n";
      ++printed;
    }
    std::cout << std::flush;
  }
  return 0;
}

}  // namespace kr::busctl
