// Bad input on the bus: malformed and truncated frames, bodies of the wrong shape, unknown
// versions. Each is counted and dropped; the subscriber keeps going.
#include <catch2/catch.hpp>

#include "common/bus/bus_test_support.h"

namespace kr::bus {
namespace {

using testing::FastPublisher;
using testing::FastSubscriber;
using testing::MakePod;
using testing::TempDir;
using testing::WaitFor;
using testing::WaitForSeqs;

std::string Cbor(const nlohmann::json& value) {
  auto bytes = nlohmann::json::to_cbor(value);
  return std::string(bytes.begin(), bytes.end());
}

TEST_CASE("bus: malformed frames and unknown versions are counted and dropped", "[bus]") {
  TempDir dir;
  auto created = Publisher::Create(FastPublisher(dir.path()));
  REQUIRE(created.ok());
  Publisher& publisher = **created;
  publisher.MarkInSync();

  Subscriber subscriber(FastSubscriber(dir.path()));
  std::mutex mu;
  std::map<std::string, model::Pod> pods;
  subscriber.On<model::Pod>(
      [&](const std::string& key, const model::Pod& pod) {
        std::lock_guard lock(mu);
        pods[key] = pod;
      },
      [&](const std::string& key) {
        std::lock_guard lock(mu);
        pods.erase(key);
      });
  REQUIRE(subscriber.Start().ok());
  REQUIRE(WaitFor([&] { return subscriber.Stats().in_sync; }));
  // A heartbeat proves the subscription reached the publisher: nothing below is filtered out.
  REQUIRE(WaitFor([&] { return subscriber.Stats().heartbeats_received >= 1; }));

  const uint64_t epoch = publisher.epoch();
  std::string valid_header =
      EncodeHeader(Header{kProtocolVersion, MessageType::kBatch, {}, epoch, 1});
  // Protocol 1's message per delta is no message of protocol 2.
  std::string single_upsert =
      EncodeHeader(Header{kProtocolVersion, MessageType::kUpsert, {1, 0}, epoch, 1});
  std::string other_protocol = valid_header;
  other_protocol[0] = 9;
  std::string unknown_type = valid_header;
  unknown_type[1] = 77;
  std::string heartbeat =
      EncodeHeader(Header{kProtocolVersion, MessageType::kHeartbeat, {}, epoch, 0});
  std::string pod_cbor = Cbor(nlohmann::json(MakePod("x", "t", 1)));

  // Frame-level damage (no sequence consumed).
  REQUIRE(publisher.SendRawForTest({"pods"}).ok());
  REQUIRE(publisher.SendRawForTest({"pods", valid_header.substr(0, 11), "x/a", pod_cbor}).ok());
  REQUIRE(publisher.SendRawForTest({"pods", other_protocol, "x/a", pod_cbor}).ok());
  REQUIRE(publisher.SendRawForTest({"pods", unknown_type, "x/a", pod_cbor}).ok());
  REQUIRE(publisher.SendRawForTest({"pods", valid_header, "x/a", pod_cbor, "extra"}).ok());
  REQUIRE(publisher.SendRawForTest({"$bus", heartbeat, "", "\xbf\x01"}).ok());
  REQUIRE(publisher.SendRawForTest({"pods", single_upsert, "x/a", pod_cbor}).ok());
  const uint64_t frame_damage = 7;
  // Valid headers, bad bodies (each consumes a sequence: no gap follows).
  REQUIRE(publisher.UpsertEncoded(Topic::kPods, "x/garbage", "\xff\xfe\xfd", {1, 0}).ok());
  REQUIRE(publisher
              .UpsertEncoded(Topic::kPods, "x/truncated", pod_cbor.substr(0, pod_cbor.size() / 2),
                             {1, 0})
              .ok());
  REQUIRE(
      publisher
          .UpsertEncoded(Topic::kPods, "x/not-a-map", Cbor(nlohmann::json::array({1, 2})), {1, 0})
          .ok());
  REQUIRE(publisher.Upsert(Topic::kPods, "x/wrong-type", nlohmann::json{{"name", 5}}, {1, 0}).ok());
  const uint64_t body_damage = 4;
  REQUIRE(publisher.UpsertEncoded(Topic::kPods, "x/future", pod_cbor, {9, 0}).ok());
  // A newer minor version with an unknown field is fine.
  auto newer = nlohmann::json(MakePod("x", "newer", 1));
  newer["futureField"] = {{"a", 1}};
  REQUIRE(publisher.Upsert(Topic::kPods, "x/newer", newer, {1, 7}).ok());
  REQUIRE(publisher.Upsert(MakePod("x", "good", 1)).ok());

  REQUIRE(WaitFor([&] {
    std::lock_guard lock(mu);
    return pods.contains("x/good");
  }));
  REQUIRE(WaitForSeqs(subscriber, publisher, {Topic::kPods}));
  auto stats = subscriber.Stats();
  CHECK(stats.unknown_version >= 1);
  CHECK(stats.malformed >= frame_damage + body_damage);
  if (stats.resnapshots == 0) {  // without a re-snapshot the counts are exact
    CHECK(stats.malformed == frame_damage + body_damage);
    CHECK(stats.unknown_version == 1);
    CHECK(stats.gaps == 0);
  }
  std::lock_guard lock(mu);
  CHECK(pods.size() == 2);
  CHECK(pods.contains("x/newer"));
  CHECK(pods["x/good"] == MakePod("x", "good", 1));
}

TEST_CASE("bus: bad snapshot requests are refused, not fatal", "[bus]") {
  TempDir dir;
  auto publisher = Publisher::Create(FastPublisher(dir.path()));
  REQUIRE(publisher.ok());
  zmq::context_t context;
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.connect(BusAddress::InDirectory(dir.path()).snapshot);
  dealer.send(zmq::buffer(std::string("snapshot")), zmq::send_flags::sndmore);
  const char version = static_cast<char>(kProtocolVersion);
  dealer.send(zmq::buffer(&version, 1), zmq::send_flags::sndmore);
  dealer.send(zmq::buffer(std::string("gateways")), zmq::send_flags::none);
  std::vector<zmq::message_t> frames;
  dealer.set(zmq::sockopt::rcvtimeo, 10000);
  REQUIRE(ReceiveMessage(dealer, frames, false));
  auto message = ParseMessage(frames);
  REQUIRE(message.ok());
  CHECK(message->header.type == MessageType::kSnapshotEnd);
  auto status = DecodeStatus(message->body);
  REQUIRE(status.ok());
  CHECK(status->error == "unknown topic gateways");
  // The counter moves just after the reply is sent.
  CHECK(WaitFor([&] { return (*publisher)->Stats().bad_snapshot_requests == 1; }));

  // The publisher still serves good requests.
  auto snapshot = FetchSnapshot(context, BusAddress::InDirectory(dir.path()).snapshot, {},
                                std::chrono::seconds(10));
  CHECK(snapshot.ok());
}

}  // namespace
}  // namespace kr::bus
