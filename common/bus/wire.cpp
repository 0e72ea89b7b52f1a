#include "common/bus/wire.h"

#include <nlohmann/json.hpp>
#include <random>

namespace kr::bus {
namespace {

void PutU64(char* out, uint64_t value) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
}

uint64_t GetU64(std::string_view in, size_t at) {
  uint64_t value = 0;
  for (size_t i = 0; i < 8; ++i) value = (value << 8) | static_cast<uint8_t>(in[at + i]);
  return value;
}

void PutU32(std::string& out, uint32_t value) {
  const char bytes[4] = {static_cast<char>(value >> 24), static_cast<char>(value >> 16),
                         static_cast<char>(value >> 8), static_cast<char>(value)};
  out.append(bytes, sizeof(bytes));
}

uint32_t GetU32(std::string_view in, size_t at) {
  uint32_t value = 0;
  for (size_t i = 0; i < 4; ++i) value = (value << 8) | static_cast<uint8_t>(in[at + i]);
  return value;
}

Error Malformed(const std::string& why) {
  return Error{EBADMSG, "malformed bus frame: " + why};
}

}  // namespace

std::array<char, kHeaderSize> HeaderBytes(const Header& header) {
  std::array<char, kHeaderSize> out{};
  out[0] = static_cast<char>(header.protocol);
  out[1] = static_cast<char>(header.type);
  out[2] = static_cast<char>(header.schema.major);
  out[3] = static_cast<char>(header.schema.minor);
  PutU64(out.data() + 4, header.epoch);
  PutU64(out.data() + 12, header.seq);
  return out;
}

std::string EncodeHeader(const Header& header) {
  auto bytes = HeaderBytes(header);
  return std::string(bytes.data(), bytes.size());
}

Expected<Header> DecodeHeader(std::string_view bytes) {
  if (bytes.size() != kHeaderSize) {
    return Malformed("header has " + std::to_string(bytes.size()) + " bytes, want 20");
  }
  Header header;
  header.protocol = static_cast<uint8_t>(bytes[0]);
  if (header.protocol != kProtocolVersion) {
    return Malformed("unknown protocol version " + std::to_string(header.protocol));
  }
  uint8_t type = static_cast<uint8_t>(bytes[1]);
  if (type < static_cast<uint8_t>(MessageType::kUpsert) ||
      type > static_cast<uint8_t>(MessageType::kBatch)) {
    return Malformed("unknown message type " + std::to_string(type));
  }
  header.type = static_cast<MessageType>(type);
  header.schema = {static_cast<uint8_t>(bytes[2]), static_cast<uint8_t>(bytes[3])};
  header.epoch = GetU64(bytes, 4);
  header.seq = GetU64(bytes, 12);
  return header;
}

void BatchBuilder::Add(MessageType type, model::SchemaVersion schema, std::string_view key,
                       std::string_view body) {
  bytes_.push_back(static_cast<char>(type));
  bytes_.push_back(static_cast<char>(schema.major));
  bytes_.push_back(static_cast<char>(schema.minor));
  PutU32(bytes_, static_cast<uint32_t>(key.size()));
  bytes_.append(key);
  PutU32(bytes_, static_cast<uint32_t>(body.size()));
  bytes_.append(body);
  ++count_;
}

std::string_view BatchBuilder::Finish() {
  for (int i = 0; i < 4; ++i) bytes_[i] = static_cast<char>(count_ >> (24 - 8 * i));
  return bytes_;
}

void BatchBuilder::Clear() {
  bytes_.assign(4, '\0');
  count_ = 0;
}

BatchReader::BatchReader(std::string_view body) : body_(body) {
  if (body.size() < 4) return;
  count_ = GetU32(body, 0);
  valid_ = count_ > 0;
}

BatchReader::Result BatchReader::Next(BatchEntry& entry) {
  if (!valid_) return Result::kMalformed;
  if (read_ == count_) return at_ == body_.size() ? Result::kEnd : Result::kMalformed;
  const size_t left = body_.size() - at_;
  if (left < kBatchEntryOverhead) return Result::kMalformed;
  const uint8_t type = static_cast<uint8_t>(body_[at_]);
  if (type != static_cast<uint8_t>(MessageType::kUpsert) &&
      type != static_cast<uint8_t>(MessageType::kDelete)) {
    return Result::kMalformed;
  }
  const size_t key_size = GetU32(body_, at_ + 3);
  // Compared against what is left, never added to a position: no overflow on garbage.
  if (key_size > left - kBatchEntryOverhead) return Result::kMalformed;
  const size_t body_size = GetU32(body_, at_ + 7 + key_size);
  if (body_size > left - kBatchEntryOverhead - key_size) return Result::kMalformed;
  entry.type = static_cast<MessageType>(type);
  entry.schema = {static_cast<uint8_t>(body_[at_ + 1]), static_cast<uint8_t>(body_[at_ + 2])};
  entry.key = body_.substr(at_ + 7, key_size);
  entry.body = body_.substr(at_ + 11 + key_size, body_size);
  at_ += kBatchEntryOverhead + key_size + body_size;
  ++read_;
  return Result::kEntry;
}

std::string EncodeStatus(const BusStatus& status) {
  nlohmann::json seqs = nlohmann::json::object();
  for (const auto& [topic, seq] : status.seqs) seqs[std::string(TopicName(topic))] = seq;
  nlohmann::json body{{"inSync", status.in_sync}, {"seqs", seqs}};
  if (status.heartbeat_ms != 0) body["heartbeatMs"] = status.heartbeat_ms;
  body["objects"] = status.objects;
  if (!status.error.empty()) body["error"] = status.error;
  auto bytes = nlohmann::json::to_cbor(body);
  return std::string(bytes.begin(), bytes.end());
}

Expected<BusStatus> DecodeStatus(std::string_view cbor) {
  nlohmann::json body = nlohmann::json::from_cbor(cbor, /*strict=*/true,
                                                  /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) return Malformed("status body is not a CBOR map");
  BusStatus status;
  try {
    if (auto it = body.find("inSync"); it != body.end()) status.in_sync = it->get<bool>();
    if (auto it = body.find("heartbeatMs"); it != body.end()) {
      status.heartbeat_ms = it->get<uint32_t>();
    }
    if (auto it = body.find("objects"); it != body.end()) status.objects = it->get<uint64_t>();
    if (auto it = body.find("error"); it != body.end()) status.error = it->get<std::string>();
    if (auto it = body.find("seqs"); it != body.end()) {
      for (const auto& [name, seq] : it->items()) {
        if (auto topic = ParseTopic(name)) status.seqs[*topic] = seq.get<uint64_t>();
      }
    }
  } catch (const nlohmann::json::exception& e) {
    return Malformed(std::string("status body: ") + e.what());
  }
  return status;
}

Message MessageView::ToMessage() const {
  return Message{std::string(topic_name), topic, header, std::string(key), std::string(body)};
}

MessageView MessageView::Of(const Message& message) {
  return MessageView{message.topic_name, message.topic, message.header, message.key, message.body};
}

Expected<MessageView> ParseMessageView(std::span<const zmq::message_t> frames) {
  if (frames.size() != kFramesPerMessage) {
    return Malformed(std::to_string(frames.size()) + " frames, want 4");
  }
  auto header = DecodeHeader(frames[1].to_string_view());
  if (!header) return header.error();
  MessageView message;
  message.topic_name = frames[0].to_string_view();
  message.topic = ParseTopic(message.topic_name);
  message.header = *header;
  message.key = frames[2].to_string_view();
  message.body = frames[3].to_string_view();
  return message;
}

Expected<Message> ParseMessage(const std::vector<zmq::message_t>& frames, size_t first) {
  if (frames.size() < first) return Malformed("no frames");
  auto view = ParseMessageView(std::span(frames).subspan(first));
  if (!view) return view.error();
  return view->ToMessage();
}

bool SendMessage(zmq::socket_t& socket, const zmq::message_t* identity, std::string_view topic,
                 std::string_view header, std::string_view key, std::string_view body,
                 bool dont_wait) {
  const auto more = zmq::send_flags::sndmore;
  const auto first_flags = dont_wait ? (more | zmq::send_flags::dontwait) : more;
  // Messages are atomic: only the first frame can meet the high-water mark.
  if (identity != nullptr) {
    if (!socket.send(zmq::buffer(identity->data(), identity->size()), first_flags)) return false;
    socket.send(zmq::buffer(topic), more);
  } else if (!socket.send(zmq::buffer(topic), first_flags)) {
    return false;
  }
  socket.send(zmq::buffer(header), more);
  socket.send(zmq::buffer(key), more);
  socket.send(zmq::buffer(body), zmq::send_flags::none);
  return true;
}

bool ReceiveMessage(zmq::socket_t& socket, std::vector<zmq::message_t>& frames, bool dont_wait) {
  frames.clear();
  zmq::message_t part;
  if (!socket.recv(part, dont_wait ? zmq::recv_flags::dontwait : zmq::recv_flags::none)) {
    return false;
  }
  bool more = part.more();
  frames.push_back(std::move(part));
  while (more) {  // the rest of a multipart message is already there: it arrives atomically
    zmq::message_t next;
    (void)socket.recv(next, zmq::recv_flags::none);
    more = next.more();
    frames.push_back(std::move(next));
  }
  return true;
}

uint64_t RandomEpoch() {
  std::random_device device;
  uint64_t epoch = 0;
  while (epoch == 0) epoch = (static_cast<uint64_t>(device()) << 32) | device();
  return epoch;
}

}  // namespace kr::bus
