#include "services/routed/bgp/notification.h"

#include <catch2/catch.hpp>

#include "services/routed/bgp/message.h"
#include "services/routed/bgp/test_util.h"

namespace kr::bgp {
namespace {

using testing::Hex;
using testing::ToHex;

TEST_CASE("bgp NOTIFICATION encodes byte-exact and round-trips", "[bgp]") {
  const NotificationMessage n{
      err::kUpdateMessage, err::kAttributeFlagsError, {0xc0, 0x01, 0x01, 0x00}};
  const auto bytes = EncodeMessage(n);
  CHECK(ToHex(bytes) == ToHex(Hex("ffffffffffffffffffffffffffffffff 0019 03 03 04 c0010100")));
  auto decoded = DecodeMessage(bytes, CodecOptions{});
  REQUIRE(decoded.ok());
  CHECK(std::get<NotificationMessage>(decoded->message) == n);
  const NotificationMessage hold{err::kHoldTimerExpired, 0, {}};
  auto decoded_hold = DecodeMessage(EncodeMessage(hold), CodecOptions{});
  REQUIRE(decoded_hold.ok());
  CHECK(std::get<NotificationMessage>(decoded_hold->message) == hold);
}

TEST_CASE("bgp NOTIFICATION names for logs", "[bgp]") {
  CHECK(NotificationCodeName(err::kOpenMessage) == "OPEN Message Error");
  CHECK(NotificationSubcodeName(err::kOpenMessage, err::kBadPeerAs) == "Bad Peer AS");
  CHECK(NotificationSubcodeName(err::kUpdateMessage, err::kMalformedAsPath) == "Malformed AS_PATH");
  CHECK(NotificationSubcodeName(err::kMessageHeader, err::kConnectionNotSynchronized) ==
        "Connection Not Synchronized");
  CHECK(NotificationSubcodeName(err::kCease, err::kHardReset) == "Hard Reset");
  CHECK(NotificationSubcodeName(err::kRouteRefreshMessage, 1) == "Invalid Message Length");
  CHECK(NotificationSubcodeName(err::kUpdateMessage, 99) == "Unknown subcode");
  CHECK(NotificationCodeName(42) == "Unknown error code");
  CHECK(Describe({err::kUpdateMessage, err::kInvalidOrigin, {0x40, 0x01, 0x01, 0x05}}) ==
        "3/6 UPDATE Message Error / Invalid ORIGIN Attribute data=40010105");
  // RFC 9003 shutdown communication.
  CHECK(Describe({err::kCease, err::kAdministrativeShutdown, {5, 'm', 'a', 'i', 'n', 't'}}) ==
        "6/2 Cease / Administrative Shutdown: \"maint\"");
}

}  // namespace
}  // namespace kr::bgp
