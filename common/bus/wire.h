// Framing of bus messages (proto/SPEC.md section 3): 4 frames per message
// [topic, 20-byte header, key, body], the header's binary layout and the CBOR status map of
// "$bus" messages. Pure functions plus thin send/receive helpers over cppzmq.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>
#include <zmq.hpp>

#include "common/base/expected.h"
#include "common/bus/topic.h"
#include "common/model/schema_version.h"

namespace kr::bus {

inline constexpr uint8_t kProtocolVersion = 1;
inline constexpr size_t kHeaderSize = 20;
inline constexpr size_t kFramesPerMessage = 4;
inline constexpr std::string_view kSnapshotCommand = "snapshot";

enum class MessageType : uint8_t {
  kUpsert = 1,
  kDelete = 2,
  kHeartbeat = 3,
  kInSync = 4,
  kSnapshotItem = 5,
  kSnapshotEnd = 6,
};

struct Header {
  uint8_t protocol = kProtocolVersion;
  MessageType type = MessageType::kUpsert;
  model::SchemaVersion schema;
  uint64_t epoch = 0;
  uint64_t seq = 0;
};

// An object as it travels: its schema version and its CBOR body.
struct EncodedObject {
  model::SchemaVersion schema;
  std::string body;
  bool operator==(const EncodedObject&) const = default;
};

// Body of HEARTBEAT, IN_SYNC and SNAPSHOT_END.
struct BusStatus {
  bool in_sync = false;
  std::map<Topic, uint64_t> seqs;  // unknown topic names on the wire are ignored
  uint32_t heartbeat_ms = 0;
  uint64_t objects = 0;  // SNAPSHOT_END only
  std::string error;     // SNAPSHOT_END only: why a request was refused
};

// One parsed message. `topic` is empty for "$bus" and for topics this build does not know
// (topic_name keeps the frame).
struct Message {
  std::string topic_name;
  std::optional<Topic> topic;
  Header header;
  std::string key;
  std::string body;
};

// The same, with strings pointing into the received frames (valid as long as they are): what
// the subscriber's live path parses, without copying keys and bodies.
struct MessageView {
  std::string_view topic_name;
  std::optional<Topic> topic;
  Header header;
  std::string_view key;
  std::string_view body;

  Message ToMessage() const;
  static MessageView Of(const Message& message);
};

std::string EncodeHeader(const Header& header);
// The same bytes without an allocation (20 bytes do not fit std::string's inline buffer).
std::array<char, kHeaderSize> HeaderBytes(const Header& header);
Expected<Header> DecodeHeader(std::string_view bytes);

std::string EncodeStatus(const BusStatus& status);
Expected<BusStatus> DecodeStatus(std::string_view cbor);

// Parses [topic, header, key, body]. Errors mean "malformed: count and drop".
Expected<Message> ParseMessage(const std::vector<zmq::message_t>& frames, size_t first = 0);
Expected<MessageView> ParseMessageView(std::span<const zmq::message_t> frames);

// Sends the 4 frames of one message, after an optional routing identity (ROUTER replies).
// Returns false when a non-blocking send would block (EAGAIN); other failures throw
// zmq::error_t, as cppzmq does.
bool SendMessage(zmq::socket_t& socket, const zmq::message_t* identity, std::string_view topic,
                 std::string_view header, std::string_view key, std::string_view body,
                 bool dont_wait);

// Receives all frames of one multipart message. Returns false when a non-blocking receive
// finds nothing; failures throw zmq::error_t.
bool ReceiveMessage(zmq::socket_t& socket, std::vector<zmq::message_t>& frames, bool dont_wait);

uint64_t RandomEpoch();

}  // namespace kr::bus
