#include "services/routed/bgp/route_refresh.h"

#include <catch2/catch.hpp>

#include "services/routed/bgp/message.h"
#include "services/routed/bgp/test_util.h"

namespace kr::bgp {
namespace {

using testing::Hex;
using testing::ToHex;

TEST_CASE("bgp ROUTE-REFRESH and the RFC 7313 subtypes encode byte-exact", "[bgp]") {
  CHECK(ToHex(EncodeMessage(RouteRefreshMessage{kIpv4Unicast, 0})) ==
        ToHex(Hex("ffffffffffffffffffffffffffffffff 0017 05 0001 00 01")));
  CHECK(ToHex(EncodeMessage(RouteRefreshMessage{kIpv6Unicast, 1})) ==
        ToHex(Hex("ffffffffffffffffffffffffffffffff 0017 05 0002 01 01")));
  CHECK(ToHex(EncodeMessage(RouteRefreshMessage{kIpv6Unicast, 2})) ==
        ToHex(Hex("ffffffffffffffffffffffffffffffff 0017 05 0002 02 01")));
  for (uint8_t subtype : {0, 1, 2, 7}) {
    const RouteRefreshMessage rr{kIpv6Unicast, subtype};
    auto decoded = DecodeMessage(EncodeMessage(rr), CodecOptions{});
    REQUIRE(decoded.ok());
    CHECK(std::get<RouteRefreshMessage>(decoded->message) == rr);
    CHECK(std::get<RouteRefreshMessage>(decoded->message).known_subtype() == (subtype <= 2));
  }
}

TEST_CASE("bgp ROUTE-REFRESH length errors", "[bgp]") {
  SECTION("BoRR with a wrong length: 7/1 carrying the whole message") {
    const auto bytes = Hex("ffffffffffffffffffffffffffffffff 0018 05 0002 01 01 00");
    auto decoded = DecodeMessage(bytes, CodecOptions{});
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.error().notification == NotificationMessage{7, 1, bytes});
  }
  SECTION("plain request with a wrong length: bad message length") {
    const auto bytes = Hex("ffffffffffffffffffffffffffffffff 0018 05 0002 00 01 00");
    auto decoded = DecodeMessage(bytes, CodecOptions{});
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.error().notification == NotificationMessage{1, 2, {0x00, 0x18}});
  }
  SECTION("shorter than 23: header check") {
    auto decoded =
        DecodeMessage(Hex("ffffffffffffffffffffffffffffffff 0016 05 0002 00"), CodecOptions{});
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.error().notification == NotificationMessage{1, 2, {0x00, 0x16}});
  }
}

TEST_CASE("bgp KEEPALIVE is a bare header", "[bgp]") {
  const auto bytes = EncodeMessage(KeepaliveMessage{});
  CHECK(ToHex(bytes) == ToHex(Hex("ffffffffffffffffffffffffffffffff 0013 04")));
  auto decoded = DecodeMessage(bytes, CodecOptions{});
  REQUIRE(decoded.ok());
  CHECK(std::holds_alternative<KeepaliveMessage>(decoded->message));
}

}  // namespace
}  // namespace kr::bgp
