#include "common/bus/wire.h"

#include <catch2/catch.hpp>

namespace kr::bus {
namespace {

TEST_CASE("bus wire: the header is 20 big-endian bytes", "[bus]") {
  Header header{kProtocolVersion, MessageType::kBatch, {1, 2}, 0x0102030405060708ull, 258};
  std::string bytes = EncodeHeader(header);
  REQUIRE(bytes.size() == 20);
  CHECK(bytes[0] == 2);
  CHECK(bytes[1] == 7);
  CHECK(bytes[2] == 1);
  CHECK(bytes[3] == 2);
  CHECK(bytes.substr(4, 8) == std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  CHECK(bytes.substr(12, 8) == std::string("\0\0\0\0\0\0\x01\x02", 8));

  auto decoded = DecodeHeader(bytes);
  REQUIRE(decoded.ok());
  CHECK(decoded->type == MessageType::kBatch);
  CHECK(decoded->schema == model::SchemaVersion{1, 2});
  CHECK(decoded->epoch == 0x0102030405060708ull);
  CHECK(decoded->seq == 258);
}

TEST_CASE("bus wire: bad headers are errors", "[bus]") {
  std::string good = EncodeHeader(Header{});
  CHECK_FALSE(DecodeHeader(good.substr(0, 19)).ok());
  CHECK_FALSE(DecodeHeader(good + "x").ok());
  std::string other_protocol = good;
  other_protocol[0] = 1;  // version 1 had one message per delta: not readable as 2
  CHECK_FALSE(DecodeHeader(other_protocol).ok());
  std::string bad_type = good;
  bad_type[1] = 0;
  CHECK_FALSE(DecodeHeader(bad_type).ok());
  bad_type[1] = 8;
  CHECK_FALSE(DecodeHeader(bad_type).ok());
}

TEST_CASE("bus wire: a batch body is a count and packed big-endian entries", "[bus]") {
  BatchBuilder builder;
  builder.Add(MessageType::kUpsert, {1, 3}, "ns/a", "BODY");
  builder.Add(MessageType::kDelete, {1, 0}, "ns/b", "");
  CHECK(builder.count() == 2);
  const std::string body(builder.Finish());
  const std::string expected = std::string("\0\0\0\x02", 4) +  // count
                               std::string(
                                   "\x01\x01\x03\0\0\0\x04ns/a\0\0\0\x04"
                                   "BODY",
                                   19) +
                               std::string("\x02\x01\0\0\0\0\x04ns/b\0\0\0\0", 15);
  CHECK(body == expected);

  BatchReader reader(body);
  REQUIRE(reader.valid());
  CHECK(reader.count() == 2);
  BatchEntry entry;
  REQUIRE(reader.Next(entry) == BatchReader::Result::kEntry);
  CHECK(entry.type == MessageType::kUpsert);
  CHECK(entry.schema == model::SchemaVersion{1, 3});
  CHECK(entry.key == "ns/a");
  CHECK(entry.body == "BODY");
  REQUIRE(reader.Next(entry) == BatchReader::Result::kEntry);
  CHECK(entry.type == MessageType::kDelete);
  CHECK(entry.key == "ns/b");
  CHECK(entry.body.empty());
  CHECK(reader.Next(entry) == BatchReader::Result::kEnd);

  builder.Clear();
  CHECK(builder.count() == 0);
  builder.Add(MessageType::kUpsert, {1, 0}, "k", "v");
  CHECK(builder.Finish().size() == 4 + kBatchEntryOverhead + 2);
}

// Reads every entry; returns how many came before the end or the damage, and which it was.
std::pair<int, BatchReader::Result> ReadAll(std::string_view body) {
  BatchReader reader(body);
  BatchEntry entry;
  int entries = 0;
  BatchReader::Result result;
  while ((result = reader.Next(entry)) == BatchReader::Result::kEntry) ++entries;
  return {entries, result};
}

TEST_CASE("bus wire: damaged batches are malformed after their good entries", "[bus]") {
  BatchBuilder builder;
  for (int i = 0; i < 3; ++i) builder.Add(MessageType::kUpsert, {1, 0}, "ns/p", "body");
  const std::string good(builder.Finish());
  const size_t entry_size = kBatchEntryOverhead + 4 + 4;
  CHECK(ReadAll(good) == std::pair{3, BatchReader::Result::kEnd});

  CHECK_FALSE(BatchReader("").valid());
  CHECK_FALSE(BatchReader(std::string("\0\0\0", 3)).valid());
  CHECK_FALSE(BatchReader(std::string("\0\0\0\0", 4)).valid());  // announces no entry
  // Every truncation inside the last entry, and just before it, is noticed.
  for (size_t cut = 4 + 2 * entry_size; cut < good.size(); ++cut) {
    CHECK(ReadAll(good.substr(0, cut)) == std::pair{2, BatchReader::Result::kMalformed});
  }
  CHECK(ReadAll(good + "x") == std::pair{3, BatchReader::Result::kMalformed});
  std::string more_announced = good;
  more_announced[3] = 4;
  CHECK(ReadAll(more_announced) == std::pair{3, BatchReader::Result::kMalformed});
  std::string bad_type = good;
  bad_type[4 + entry_size] = 9;  // the second entry's type
  CHECK(ReadAll(bad_type) == std::pair{1, BatchReader::Result::kMalformed});
  std::string huge_key = good;
  huge_key[4 + 3] = '\xff';  // the first key's size: 0xff000004
  CHECK(ReadAll(huge_key) == std::pair{0, BatchReader::Result::kMalformed});
}

TEST_CASE("bus wire: status maps round-trip and ignore unknown topics", "[bus]") {
  BusStatus status;
  status.in_sync = true;
  status.seqs = {{Topic::kPods, 7}, {Topic::kNetworkPolicies, 1}};
  status.heartbeat_ms = 250;
  status.objects = 3;
  auto decoded = DecodeStatus(EncodeStatus(status));
  REQUIRE(decoded.ok());
  CHECK(decoded->in_sync);
  CHECK(decoded->seqs == status.seqs);
  CHECK(decoded->heartbeat_ms == 250);
  CHECK(decoded->objects == 3);

  auto future = nlohmann::json::to_cbor(
      nlohmann::json{{"inSync", false}, {"seqs", {{"gateways", 4}, {"pods", 2}}}, {"new", 1}});
  auto parsed = DecodeStatus(std::string(future.begin(), future.end()));
  REQUIRE(parsed.ok());
  CHECK(parsed->seqs == std::map<Topic, uint64_t>{{Topic::kPods, 2}});

  CHECK_FALSE(DecodeStatus("\xa1").ok());  // truncated map
  CHECK_FALSE(DecodeStatus("").ok());
  auto wrong_type = nlohmann::json::to_cbor(nlohmann::json{{"inSync", "yes"}});
  CHECK_FALSE(DecodeStatus(std::string(wrong_type.begin(), wrong_type.end())).ok());
}

TEST_CASE("bus wire: messages need exactly four frames", "[bus]") {
  std::vector<zmq::message_t> frames;
  frames.emplace_back(std::string("pods"));
  frames.emplace_back(EncodeHeader(Header{}));
  frames.emplace_back(std::string("x/a"));
  CHECK_FALSE(ParseMessage(frames).ok());
  frames.emplace_back(std::string("body"));
  auto message = ParseMessage(frames);
  REQUIRE(message.ok());
  CHECK(message->topic == Topic::kPods);
  CHECK(message->key == "x/a");
  CHECK(message->body == "body");
  frames.emplace_back(std::string("extra"));
  CHECK_FALSE(ParseMessage(frames).ok());
}

TEST_CASE("bus wire: topic names are not prefixes of each other", "[bus]") {
  for (Topic a : kAllTopics) {
    CHECK(ParseTopic(TopicName(a)) == a);
    CHECK(TopicName(a).rfind(kControlTopic, 0) != 0);
    for (Topic b : kAllTopics) {
      if (a != b) CHECK(TopicName(b).rfind(TopicName(a), 0) != 0);
    }
  }
  CHECK_FALSE(ParseTopic("pod").has_value());
}

}  // namespace
}  // namespace kr::bus
