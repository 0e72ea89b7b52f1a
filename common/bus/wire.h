// Framing of bus messages (proto/SPEC.md section 3): 4 frames per message
// [topic, 20-byte header, key, body], the header's binary layout, the packed entries of a
// BATCH body and the CBOR status map of "$bus" messages. Pure functions plus thin
// send/receive helpers over cppzmq.
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

inline constexpr uint8_t kProtocolVersion = 2;
inline constexpr size_t kHeaderSize = 20;
inline constexpr size_t kFramesPerMessage = 4;
inline constexpr std::string_view kSnapshotCommand = "snapshot";

enum class MessageType : uint8_t {
  kUpsert = 1,  // protocol 2: only as the type of a BATCH entry, never of a message
  kDelete = 2,  // likewise
  kHeartbeat = 3,
  kInSync = 4,
  kSnapshotItem = 5,
  kSnapshotEnd = 6,
  kBatch = 7,  // the only delta message: consecutive UPSERT/DELETE entries of one topic
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

// One delta inside a BATCH body; the strings point into the message.
struct BatchEntry {
  MessageType type = MessageType::kUpsert;  // kUpsert or kDelete
  model::SchemaVersion schema;
  std::string_view key;
  std::string_view body;  // empty for a delete
};

// Bytes an entry takes in a BATCH body besides its key and body.
inline constexpr size_t kBatchEntryOverhead = 11;

// Builds a BATCH body: [u32 count] then per entry [type][schema major][schema minor]
// [u32 key size][key][u32 body size][body], all sizes big-endian. Reused across batches:
// Clear() keeps the buffer.
class BatchBuilder {
 public:
  BatchBuilder() { Clear(); }
  void Add(MessageType type, model::SchemaVersion schema, std::string_view key,
           std::string_view body);
  // The body with the count filled in; valid until the next Add or Clear.
  std::string_view Finish();
  void Clear();
  uint32_t count() const { return count_; }
  size_t size() const { return bytes_.size(); }

 private:
  std::string bytes_;
  uint32_t count_ = 0;
};

// Walks a BATCH body in place, without copying. Next() yields the entries in order; after
// kMalformed (a truncated or garbled entry, or bytes beyond the announced count) the rest of
// the body cannot be trusted.
class BatchReader {
 public:
  enum class Result { kEntry, kEnd, kMalformed };
  explicit BatchReader(std::string_view body);
  // False if the body cannot even hold its count, or announces none.
  bool valid() const { return valid_; }
  uint32_t count() const { return count_; }
  Result Next(BatchEntry& entry);

 private:
  std::string_view body_;
  size_t at_ = 4;
  uint32_t count_ = 0;
  uint32_t read_ = 0;
  bool valid_ = false;
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
