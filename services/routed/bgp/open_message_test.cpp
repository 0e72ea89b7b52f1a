#include "services/routed/bgp/open_message.h"

#include <catch2/catch.hpp>

#include "services/routed/bgp/message.h"
#include "services/routed/bgp/test_util.h"

namespace kr::bgp {
namespace {

using testing::Frame;
using testing::Hex;
using testing::ToHex;

// AS 4200000001 (0xfa56ea01, so My AS is AS_TRANS 0x5ba0), hold time 90, router id
// 192.0.2.1, each capability in its own optional parameter: MP IPv4 unicast, MP IPv6
// unicast, route refresh, 4-octet AS.
const char* kOpenHex =
    "ffffffff ffffffff ffffffff ffffffff 0039 01"
    "04 5ba0 005a c0000201 1c"
    "02 06 | 01 04 0001 00 01"
    "02 06 | 01 04 0002 00 01"
    "02 02 | 02 00"
    "02 06 | 41 04 fa56ea01";

OpenMessage ExpectedOpen() {
  Capabilities caps;
  caps.multiprotocol = {kIpv4Unicast, kIpv6Unicast};
  caps.route_refresh = true;
  return MakeOpen(4200000001u, 90, 0xc0000201, caps);
}

DecodeError OpenErrorOf(const std::vector<uint8_t>& bytes) {
  auto decoded = DecodeMessage(bytes, CodecOptions{});
  REQUIRE_FALSE(decoded.ok());
  return decoded.error();
}

TEST_CASE("bgp OPEN with 4-octet ASN and MP capabilities encodes byte-exact", "[bgp]") {
  const OpenMessage open = ExpectedOpen();
  CHECK(open.my_as == kAsTrans);
  CHECK(ToHex(EncodeMessage(open)) == ToHex(Hex(kOpenHex)));
}

TEST_CASE("bgp OPEN decodes from hex", "[bgp]") {
  auto decoded = DecodeMessage(Hex(kOpenHex), CodecOptions{});
  REQUIRE(decoded.ok());
  const auto& open = std::get<OpenMessage>(decoded->message);
  CHECK(open == ExpectedOpen());
  CHECK(open.PeerAs() == 4200000001u);
  CHECK(open.capabilities.Supports(kIpv6Unicast));
  CHECK_FALSE(open.capabilities.enhanced_route_refresh);
}

TEST_CASE("bgp OPEN with all capabilities in one parameter and graceful restart", "[bgp]") {
  // One optional parameter holding MP IPv4, 4-octet AS 65001, graceful restart (R bit,
  // 120 s, IPv4 unicast with F bit, IPv6 unicast without), enhanced route refresh and an
  // unknown capability 73.
  const auto bytes = Frame(MessageType::kOpen, Hex("04 fde9 00b4 0a000001 20"
                                                   "02 1e"
                                                   "01 04 0001 00 01"
                                                   "41 04 0000fde9"
                                                   "40 0a 8078 0001 01 80 0002 01 00"
                                                   "46 00"
                                                   "49 02 abcd"));
  auto decoded = DecodeMessage(bytes, CodecOptions{});
  REQUIRE(decoded.ok());
  const auto& caps = std::get<OpenMessage>(decoded->message).capabilities;
  CHECK(caps.multiprotocol == std::vector<AfiSafi>{kIpv4Unicast});
  CHECK(caps.four_octet_as == 65001u);
  CHECK(caps.enhanced_route_refresh);
  REQUIRE(caps.graceful_restart);
  CHECK(caps.graceful_restart->restarting);
  CHECK_FALSE(caps.graceful_restart->notification);
  CHECK(caps.graceful_restart->restart_time == 120);
  CHECK(caps.graceful_restart->families ==
        std::vector<GracefulRestartFamily>{{kIpv4Unicast, true}, {kIpv6Unicast, false}});
  REQUIRE(caps.unknown.size() == 1);
  CHECK(caps.unknown[0] == RawCapability{73, {0xab, 0xcd}});
}

TEST_CASE("bgp OPEN round-trips every capability, with RFC 9072 extended parameters", "[bgp]") {
  Capabilities caps;
  caps.multiprotocol = {kIpv4Unicast, kIpv6Unicast};
  caps.route_refresh = true;
  caps.enhanced_route_refresh = true;
  caps.graceful_restart = GracefulRestartCapability{false, true, 300, {{kIpv6Unicast, true}}};
  for (uint8_t code = 200; code < 210; ++code) {
    caps.unknown.push_back(RawCapability{code, std::vector<uint8_t>(40, code)});
  }
  const OpenMessage open = MakeOpen(65001, 0, 0x0a000002, caps);
  const auto bytes = EncodeMessage(open);
  REQUIRE(bytes.size() > 19 + 10 + 255);
  CHECK(bytes[19 + 9] == 255);   // Non-Ext OP Len
  CHECK(bytes[19 + 10] == 255);  // Non-Ext OP Type: extended form follows
  auto decoded = DecodeMessage(bytes, CodecOptions{});
  REQUIRE(decoded.ok());
  CHECK(std::get<OpenMessage>(decoded->message) == open);
}

TEST_CASE("bgp OPEN errors carry the RFC 4271 codes", "[bgp]") {
  SECTION("unsupported version: data is the highest version we speak") {
    auto e = OpenErrorOf(Frame(MessageType::kOpen, Hex("03 fde9 005a 0a000001 00")));
    CHECK(e.notification == NotificationMessage{2, 1, {0x00, 0x04}});
  }
  SECTION("hold time 1 or 2 is unacceptable") {
    auto e = OpenErrorOf(Frame(MessageType::kOpen, Hex("04 fde9 0002 0a000001 00")));
    CHECK(e.notification == NotificationMessage{2, 6, {}});
  }
  SECTION("BGP identifier zero") {
    auto e = OpenErrorOf(Frame(MessageType::kOpen, Hex("04 fde9 005a 00000000 00")));
    CHECK(e.notification == NotificationMessage{2, 3, {}});
  }
  SECTION("AS 0 is a bad peer AS (RFC 7607)") {
    auto e = OpenErrorOf(Frame(MessageType::kOpen, Hex("04 0000 005a 0a000001 00")));
    CHECK(e.notification == NotificationMessage{2, 2, {}});
    e = OpenErrorOf(
        Frame(MessageType::kOpen, Hex("04 5ba0 005a 0a000001 08 02 06 41 04 00000000")));
    CHECK(e.notification == NotificationMessage{2, 2, {}});
  }
  SECTION("optional parameter other than capabilities") {
    auto e = OpenErrorOf(Frame(MessageType::kOpen, Hex("04 fde9 005a 0a000001 04 01 02 0000")));
    CHECK(e.notification == NotificationMessage{2, 4, {}});
  }
  SECTION("malformed capability is OPEN error / unspecific") {
    auto e = OpenErrorOf(Frame(MessageType::kOpen, Hex("04 fde9 005a 0a000001 05 02 03 41 01 00")));
    CHECK(e.notification == NotificationMessage{2, 0, {}});
  }
  SECTION("parameters length disagreeing with the message") {
    auto e = OpenErrorOf(Frame(MessageType::kOpen, Hex("04 fde9 005a 0a000001 08 02 02 02 00")));
    CHECK(e.notification == NotificationMessage{2, 0, {}});
  }
}

TEST_CASE("bgp ValidateOpen checks the peer against local settings", "[bgp]") {
  Capabilities caps;
  caps.multiprotocol = {kIpv4Unicast};
  const OpenMessage open = MakeOpen(65002, 90, 0x0a000002, caps);
  OpenExpectations local{65001, 0x0a000001, 65002, 3, true, {kIpv4Unicast}};
  CHECK_FALSE(ValidateOpen(open, local).has_value());

  SECTION("bad peer AS") {
    local.peer_as = 65003;
    auto e = ValidateOpen(open, local);
    REQUIRE(e);
    CHECK(e->notification == NotificationMessage{2, 2, {}});
  }
  SECTION("same identifier on an iBGP session") {
    local.local_as = 65002;
    local.local_identifier = 0x0a000002;
    auto e = ValidateOpen(open, local);
    REQUIRE(e);
    CHECK(e->notification == NotificationMessage{2, 3, {}});
  }
  SECTION("hold time below our minimum") {
    local.min_hold_time = 120;
    auto e = ValidateOpen(open, local);
    REQUIRE(e);
    CHECK(e->notification == NotificationMessage{2, 6, {}});
  }
  SECTION("missing required capabilities are listed in the data") {
    local.required_families = {kIpv4Unicast, kIpv6Unicast};
    OpenMessage old = open;
    old.capabilities.four_octet_as.reset();
    auto e = ValidateOpen(old, local);
    REQUIRE(e);
    CHECK(e->notification.code == 2);
    CHECK(e->notification.subcode == 7);
    CHECK(ToHex(e->notification.data) == ToHex(Hex("01 04 0002 00 01  41 04 0000fde9")));
  }
  CHECK(NegotiatedHoldTime(90, 30) == 30);
  CHECK(NegotiatedHoldTime(0, 30) == 0);
}

}  // namespace
}  // namespace kr::bgp
