#include "common/bus/wire.h"

#include <catch2/catch.hpp>

namespace kr::bus {
namespace {

TEST_CASE("bus wire: the header is 20 big-endian bytes", "[bus]") {
  Header header{kProtocolVersion, MessageType::kDelete, {1, 2}, 0x0102030405060708ull, 258};
  std::string bytes = EncodeHeader(header);
  REQUIRE(bytes.size() == 20);
  CHECK(bytes[0] == 1);
  CHECK(bytes[1] == 2);
  CHECK(bytes[2] == 1);
  CHECK(bytes[3] == 2);
  CHECK(bytes.substr(4, 8) == std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  CHECK(bytes.substr(12, 8) == std::string("\0\0\0\0\0\0\x01\x02", 8));

  auto decoded = DecodeHeader(bytes);
  REQUIRE(decoded.ok());
  CHECK(decoded->type == MessageType::kDelete);
  CHECK(decoded->schema == model::SchemaVersion{1, 2});
  CHECK(decoded->epoch == 0x0102030405060708ull);
  CHECK(decoded->seq == 258);
}

TEST_CASE("bus wire: bad headers are errors", "[bus]") {
  std::string good = EncodeHeader(Header{});
  CHECK_FALSE(DecodeHeader(good.substr(0, 19)).ok());
  CHECK_FALSE(DecodeHeader(good + "x").ok());
  std::string other_protocol = good;
  other_protocol[0] = 2;
  CHECK_FALSE(DecodeHeader(other_protocol).ok());
  std::string bad_type = good;
  bad_type[1] = 0;
  CHECK_FALSE(DecodeHeader(bad_type).ok());
  bad_type[1] = 7;
  CHECK_FALSE(DecodeHeader(bad_type).ok());
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
