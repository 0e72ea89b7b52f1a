#include "services/routed/bgp/stream_decoder.h"

#include <catch2/catch.hpp>

#include "services/routed/bgp/message.h"
#include "services/routed/bgp/test_util.h"

namespace kr::bgp {
namespace {

using testing::Hex;

std::vector<std::vector<uint8_t>> Drain(StreamDecoder& decoder) {
  std::vector<std::vector<uint8_t>> frames;
  for (;;) {
    auto f = decoder.Next();
    if (f.status == StreamDecoder::Status::kNeedMore) return frames;
    REQUIRE(f.status == StreamDecoder::Status::kMessage);
    frames.emplace_back(f.bytes.begin(), f.bytes.end());
  }
}

std::vector<uint8_t> ThreeMessages() {
  std::vector<uint8_t> stream;
  REQUIRE(AppendMessage(MakeOpen(65001, 90, 0x0a000001, {}), {}, stream));
  REQUIRE(AppendMessage(KeepaliveMessage{}, {}, stream));
  UpdateMessage update;
  update.attributes.origin = Origin::kIgp;
  update.attributes.as_path = AsPath{{{AsSegmentType::kSequence, {65001}}}};
  update.attributes.next_hop = IpAddress::Parse("192.0.2.1");
  update.nlri = {*IpPrefix::Parse("203.0.113.0/24")};
  REQUIRE(AppendMessage(update, {}, stream));
  return stream;
}

NotificationMessage HeaderErrorOf(const std::vector<uint8_t>& bytes) {
  StreamDecoder decoder;
  decoder.Feed(bytes);
  auto f = decoder.Next();
  REQUIRE(f.status == StreamDecoder::Status::kError);
  return f.error->notification;
}

TEST_CASE("bgp stream decoder yields coalesced messages one by one", "[bgp]") {
  const auto stream = ThreeMessages();
  StreamDecoder decoder;
  decoder.Feed(stream);
  const auto frames = Drain(decoder);
  REQUIRE(frames.size() == 3);
  CHECK(frames[0][18] == 1);
  CHECK(frames[1].size() == 19);
  CHECK(frames[2][18] == 2);
  CHECK(frames[0].size() + frames[1].size() + frames[2].size() == stream.size());
  CHECK(decoder.buffered() == 0);
}

TEST_CASE("bgp stream decoder reassembles messages split at every offset", "[bgp]") {
  const auto stream = ThreeMessages();
  for (size_t chunk : {1u, 2u, 7u, 18u, 19u, 20u, 64u}) {
    StreamDecoder decoder;
    std::vector<std::vector<uint8_t>> frames;
    for (size_t at = 0; at < stream.size(); at += chunk) {
      const size_t n = std::min(chunk, stream.size() - at);
      decoder.Feed(std::span<const uint8_t>(stream).subspan(at, n));
      for (auto& f : Drain(decoder)) frames.push_back(std::move(f));
    }
    INFO("chunk " << chunk);
    REQUIRE(frames.size() == 3);
    std::vector<uint8_t> joined;
    for (const auto& f : frames) joined.insert(joined.end(), f.begin(), f.end());
    CHECK(joined == stream);
    for (const auto& f : frames) CHECK(DecodeMessage(f, CodecOptions{}).ok());
  }
}

TEST_CASE("bgp stream decoder waits for a whole header and body", "[bgp]") {
  StreamDecoder decoder;
  const auto keepalive = EncodeMessage(KeepaliveMessage{});
  decoder.Feed(std::span<const uint8_t>(keepalive).first(18));
  CHECK(decoder.Next().status == StreamDecoder::Status::kNeedMore);
  decoder.Feed(std::span<const uint8_t>(keepalive).subspan(18));
  CHECK(decoder.Next().status == StreamDecoder::Status::kMessage);
  CHECK(decoder.Next().status == StreamDecoder::Status::kNeedMore);
}

TEST_CASE("bgp header errors: not synchronized, bad length, bad type", "[bgp]") {
  SECTION("marker not all ones") {
    auto bytes = EncodeMessage(KeepaliveMessage{});
    bytes[3] = 0xfe;
    CHECK(HeaderErrorOf(bytes) == NotificationMessage{1, 1, {}});
  }
  SECTION("length below 19: data is the length field") {
    CHECK(HeaderErrorOf(Hex("ffffffffffffffffffffffffffffffff 0012 04")) ==
          NotificationMessage{1, 2, {0x00, 0x12}});
  }
  SECTION("length above 4096") {
    CHECK(HeaderErrorOf(Hex("ffffffffffffffffffffffffffffffff 1001 02")) ==
          NotificationMessage{1, 2, {0x10, 0x01}});
  }
  SECTION("KEEPALIVE longer than 19") {
    CHECK(HeaderErrorOf(Hex("ffffffffffffffffffffffffffffffff 0014 04 00")) ==
          NotificationMessage{1, 2, {0x00, 0x14}});
  }
  SECTION("OPEN shorter than 29") {
    CHECK(HeaderErrorOf(Hex("ffffffffffffffffffffffffffffffff 001c 01")) ==
          NotificationMessage{1, 2, {0x00, 0x1c}});
  }
  SECTION("UPDATE shorter than 23") {
    CHECK(HeaderErrorOf(Hex("ffffffffffffffffffffffffffffffff 0016 02")) ==
          NotificationMessage{1, 2, {0x00, 0x16}});
  }
  SECTION("NOTIFICATION shorter than 21") {
    CHECK(HeaderErrorOf(Hex("ffffffffffffffffffffffffffffffff 0014 03 06")) ==
          NotificationMessage{1, 2, {0x00, 0x14}});
  }
  SECTION("unknown type: data is the type") {
    CHECK(HeaderErrorOf(Hex("ffffffffffffffffffffffffffffffff 0013 07")) ==
          NotificationMessage{1, 3, {0x07}});
  }
}

TEST_CASE("bgp stream decoder error is final", "[bgp]") {
  StreamDecoder decoder;
  decoder.Feed(Hex("ffffffffffffffffffffffffffffffff 0013 09"));
  CHECK(decoder.Next().status == StreamDecoder::Status::kError);
  decoder.Feed(EncodeMessage(KeepaliveMessage{}));
  auto f = decoder.Next();
  CHECK(f.status == StreamDecoder::Status::kError);
  CHECK(f.error->notification.subcode == err::kBadMessageType);
}

TEST_CASE("bgp DecodeMessage rejects a frame whose length field disagrees", "[bgp]") {
  auto bytes = EncodeMessage(KeepaliveMessage{});
  bytes.push_back(0);
  auto decoded = DecodeMessage(bytes, CodecOptions{});
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.error().notification.subcode == err::kBadMessageLength);
}

}  // namespace
}  // namespace kr::bgp
