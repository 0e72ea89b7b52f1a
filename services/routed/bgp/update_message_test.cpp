#include "services/routed/bgp/update_message.h"

#include <catch2/catch.hpp>

#include "services/routed/bgp/message.h"
#include "services/routed/bgp/test_util.h"

namespace kr::bgp {
namespace {

using testing::Hex;
using testing::ToHex;
using testing::UpdateFrame;

IpAddress Ip(const char* text) {
  return *IpAddress::Parse(text);
}
IpPrefix Net(const char* text) {
  return *IpPrefix::Parse(text);
}

CodecOptions Ebgp4() {
  return CodecOptions{true, true, std::nullopt, UpdateErrorPolicy::kRevised};
}
CodecOptions Ibgp4() {
  return CodecOptions{true, false, std::nullopt, UpdateErrorPolicy::kRevised};
}
CodecOptions Ebgp2() {
  return CodecOptions{false, true, std::nullopt, UpdateErrorPolicy::kRevised};
}

DecodedMessage Decode(const std::vector<uint8_t>& bytes, const CodecOptions& options) {
  auto decoded = DecodeMessage(bytes, options);
  if (!decoded) FAIL(decoded.error().reason);
  return std::move(decoded).value();
}

// Withdraw 198.51.100.0/24; announce 203.0.113.0/24 and 10.0.0.0/8 with ORIGIN IGP, AS_PATH
// 65001 4200000001 (4-octet), NEXT_HOP 192.0.2.1, MED 100, COMMUNITIES 65001:100 NO_EXPORT.
const char* kIpv4UpdateHex =
    "ffffffff ffffffff ffffffff ffffffff 004b 02"
    "0004 | 18 c63364"
    "002a"
    "40 01 01 00"
    "40 02 0a 02 02 0000fde9 fa56ea01"
    "40 03 04 c0000201"
    "80 04 04 00000064"
    "c0 08 08 fde90064 ffffff01"
    "18 cb0071 | 08 0a";

UpdateMessage ExpectedIpv4Update() {
  UpdateMessage u;
  u.withdrawn = {Net("198.51.100.0/24")};
  u.attributes.origin = Origin::kIgp;
  u.attributes.as_path = AsPath{{{AsSegmentType::kSequence, {65001, 4200000001u}}}};
  u.attributes.next_hop = Ip("192.0.2.1");
  u.attributes.med = 100;
  u.attributes.communities = {0xfde90064, community::kNoExport};
  u.nlri = {Net("203.0.113.0/24"), Net("10.0.0.0/8")};
  return u;
}

// IPv6 unicast: MP_REACH_NLRI with global 2001:db8::1 and link-local fe80::1 next hops and
// 2001:db8:1::/48, then ORIGIN IGP and AS_PATH 65001.
const char* kIpv6UpdateHex =
    "ffffffff ffffffff ffffffff ffffffff 0053 02"
    "0000 003c"
    "80 0e 2c 0002 01 20 20010db8000000000000000000000001 fe800000000000000000000000000001"
    "   00 30 20010db80001"
    "40 01 01 00"
    "40 02 06 02 01 0000fde9";

TEST_CASE("bgp UPDATE IPv4 encodes byte-exact and decodes back", "[bgp]") {
  CHECK(ToHex(EncodeMessage(ExpectedIpv4Update(), Ebgp4())) == ToHex(Hex(kIpv4UpdateHex)));
  const DecodedMessage m = Decode(Hex(kIpv4UpdateHex), Ebgp4());
  CHECK(std::get<UpdateMessage>(m.message) == ExpectedIpv4Update());
  CHECK(m.update_actions.empty());
  CHECK_FALSE(m.end_of_rib);
}

TEST_CASE("bgp UPDATE IPv6 MP_REACH with link-local next hop", "[bgp]") {
  UpdateMessage u;
  u.mp_reach =
      MpReachNlri{kIpv6Unicast, Ip("2001:db8::1"), Ip("fe80::1"), {Net("2001:db8:1::/48")}};
  u.attributes.origin = Origin::kIgp;
  u.attributes.as_path = AsPath{{{AsSegmentType::kSequence, {65001}}}};
  CHECK(ToHex(EncodeMessage(u, Ebgp4())) == ToHex(Hex(kIpv6UpdateHex)));
  const DecodedMessage m = Decode(Hex(kIpv6UpdateHex), Ebgp4());
  const auto& decoded = std::get<UpdateMessage>(m.message);
  CHECK(decoded == u);
  REQUIRE(decoded.mp_reach->link_local_next_hop);
  CHECK(decoded.mp_reach->link_local_next_hop->is_ipv6_link_local());
}

TEST_CASE("bgp UPDATE with every attribute round-trips on 4- and 2-octet sessions", "[bgp]") {
  UpdateMessage u;
  u.withdrawn = {Net("198.51.100.0/24")};
  u.attributes.origin = Origin::kIncomplete;
  u.attributes.as_path = AsPath{{{AsSegmentType::kConfedSequence, {65100, 65101}},
                                 {AsSegmentType::kSequence, {65001, 4200000001u, 65003}},
                                 {AsSegmentType::kSet, {65010, 4200000010u}}}};
  u.attributes.next_hop = Ip("192.0.2.1");
  u.attributes.med = 5;
  u.attributes.local_pref = 150;
  u.attributes.atomic_aggregate = true;
  u.attributes.aggregator = Aggregator{4200000001u, Ip("192.0.2.9")};
  u.attributes.communities = {community::kNoAdvertise, community::kNoExportSubconfed,
                              community::kNoPeer, 0xfde90001};
  u.attributes.originator_id = Ip("192.0.2.7");
  u.attributes.cluster_list = {0xc0000201, 0xc0000202};
  u.attributes.extended_communities = {0x0002fde900000064ull};
  u.attributes.large_communities = {{4200000001u, 1, 2}, {65001, 3, 4}};
  u.attributes.unknown_transitive = {RawAttribute{0xe0, 99, {1, 2, 3}}};
  u.nlri = {Net("203.0.113.0/24"), Net("0.0.0.0/0"), Net("192.0.2.255/32")};
  u.mp_unreach = MpUnreachNlri{kIpv6Unicast, {Net("2001:db8::/32")}};
  for (bool four_octet : {true, false}) {
    CodecOptions options = Ibgp4();
    options.four_octet_as = four_octet;
    INFO("four_octet_as " << four_octet);
    const DecodedMessage m = Decode(EncodeMessage(u, options), options);
    CHECK(m.update_actions.empty());
    CHECK(std::get<UpdateMessage>(m.message) == u);
  }
}

TEST_CASE("bgp AS4_PATH and AS4_AGGREGATOR on a 2-octet session (RFC 6793)", "[bgp]") {
  // AS_PATH 65001 AS_TRANS, AS4_PATH 4200000001, AGGREGATOR AS_TRANS, AS4_AGGREGATOR.
  const auto bytes = UpdateFrame("",
                                 "40 01 01 00"
                                 "40 02 06 02 02 fde9 5ba0"
                                 "40 03 04 c0000201"
                                 "c0 07 06 5ba0 c0000209"
                                 "c0 11 06 02 01 fa56ea01"
                                 "c0 12 08 fa56ea01 c0000209",
                                 "18 cb0071");
  const DecodedMessage m = Decode(bytes, Ebgp2());
  const auto& u = std::get<UpdateMessage>(m.message);
  CHECK(u.attributes.as_path->ToString() == "65001 4200000001");
  CHECK(u.attributes.aggregator == Aggregator{4200000001u, Ip("192.0.2.9")});

  SECTION("the encoder splits them the same way") {
    const auto encoded = EncodeMessage(u, Ebgp2());
    CHECK(ToHex(encoded) == ToHex(UpdateFrame("",
                                              "40 01 01 00"
                                              "40 02 06 02 02 fde9 5ba0"
                                              "40 03 04 c0000201"
                                              "c0 07 06 5ba0 c0000209"
                                              "c0 11 0a 02 02 0000fde9 fa56ea01"
                                              "c0 12 08 fa56ea01 c0000209",
                                              "18 cb0071")));
  }
  SECTION("an AGGREGATOR that is not AS_TRANS makes both AS4 attributes stale") {
    auto stale = bytes;
    const auto agg = Hex("c0 07 06 5ba0");
    auto at = std::search(stale.begin(), stale.end(), agg.begin(), agg.end());
    REQUIRE(at != stale.end());
    at[3] = 0xfd;
    at[4] = 0xea;  // AGGREGATOR AS 65002
    const UpdateMessage s = std::get<UpdateMessage>(Decode(stale, Ebgp2()).message);
    CHECK(s.attributes.as_path->ToString() == "65001 23456");
    CHECK(s.attributes.aggregator->asn == 65002u);
  }
  SECTION("AS4_PATH from a NEW speaker is ignored") {
    const auto from_new = UpdateFrame("",
                                      "40 01 01 00"
                                      "40 02 06 02 01 0000fde9"
                                      "40 03 04 c0000201"
                                      "c0 11 06 02 01 fa56ea01",
                                      "18 cb0071");
    const DecodedMessage n = Decode(from_new, Ebgp4());
    CHECK(std::get<UpdateMessage>(n.message).attributes.as_path->ToString() == "65001");
    CHECK(n.update_actions.empty());
  }
}

TEST_CASE("bgp unknown attributes: transitive kept with Partial set, others dropped", "[bgp]") {
  const auto bytes = UpdateFrame("",
                                 "40 01 01 00 | 40 02 00 | 40 03 04 c0000201"
                                 "c0 63 02 abcd"  // optional transitive 99
                                 "80 64 01 ff",   // optional non-transitive 100
                                 "18 cb0071");
  const DecodedMessage m = Decode(bytes, Ibgp4());
  const auto& u = std::get<UpdateMessage>(m.message);
  REQUIRE(u.attributes.unknown_transitive.size() == 1);
  CHECK(u.attributes.unknown_transitive[0] == RawAttribute{0xe0, 99, {0xab, 0xcd}});
  CHECK(m.update_actions.empty());
  const auto forwarded = EncodeMessage(u, Ibgp4());
  const auto partial = Hex("e0 63 02 abcd");
  CHECK(std::search(forwarded.begin(), forwarded.end(), partial.begin(), partial.end()) !=
        forwarded.end());
}

TEST_CASE("bgp attribute with the Extended Length flag", "[bgp]") {
  // COMMUNITIES written with a 2-octet length although 8 would fit in one.
  const auto bytes = UpdateFrame("",
                                 "40 01 01 00 | 40 02 00 | 40 03 04 c0000201"
                                 "d0 08 0008 fde90064 ffffff01",
                                 "18 cb0071");
  const UpdateMessage u = std::get<UpdateMessage>(Decode(bytes, Ibgp4()).message);
  CHECK(u.attributes.communities == std::vector<uint32_t>{0xfde90064, community::kNoExport});

  SECTION("the encoder uses it for values above 255 octets") {
    UpdateMessage big = u;
    big.attributes.communities.assign(100, 0xfde90001);
    const auto encoded = EncodeMessage(big, Ibgp4());
    const auto header = Hex("d0 08 0190");
    CHECK(std::search(encoded.begin(), encoded.end(), header.begin(), header.end()) !=
          encoded.end());
    CHECK(std::get<UpdateMessage>(Decode(encoded, Ibgp4()).message) == big);
  }
}

TEST_CASE("bgp LOCAL_PREF is ignored from eBGP peers and kept from iBGP peers", "[bgp]") {
  const auto bytes = UpdateFrame(
      "", "40 01 01 00 | 40 02 00 | 40 03 04 c0000201 | 40 05 04 00000064", "18 cb0071");
  CHECK_FALSE(std::get<UpdateMessage>(Decode(bytes, Ebgp4()).message).attributes.local_pref);
  CHECK(std::get<UpdateMessage>(Decode(bytes, Ibgp4()).message).attributes.local_pref == 100u);
}

TEST_CASE("bgp End-of-RIB markers (RFC 4724)", "[bgp]") {
  const auto v4 = EncodeMessage(MakeEndOfRib(kIpv4Unicast), Ebgp4());
  CHECK(ToHex(v4) == ToHex(Hex("ffffffffffffffffffffffffffffffff 0017 02 0000 0000")));
  CHECK(Decode(v4, Ebgp4()).end_of_rib == kIpv4Unicast);
  const auto v6 = EncodeMessage(MakeEndOfRib(kIpv6Unicast), Ebgp4());
  CHECK(ToHex(v6) ==
        ToHex(Hex("ffffffffffffffffffffffffffffffff 001d 02 0000 0006 80 0f 03 0002 01")));
  CHECK(Decode(v6, Ebgp4()).end_of_rib == kIpv6Unicast);
  // A family we do not parse still has its End-of-RIB recognized.
  CHECK(Decode(UpdateFrame("", "80 0f 03 0001 80", ""), Ebgp4()).end_of_rib == AfiSafi{1, 128});
  CHECK_FALSE(Decode(Hex(kIpv4UpdateHex), Ebgp4()).end_of_rib);
  // An UPDATE left empty by a discarded attribute is not an End-of-RIB.
  CHECK_FALSE(Decode(UpdateFrame("", "40 06 01 00", ""), Ebgp4()).end_of_rib);
}

TEST_CASE("bgp prefixes are canonical: trailing host bits are masked", "[bgp]") {
  const auto bytes = UpdateFrame("", "40 01 01 00 | 40 02 00 | 40 03 04 c0000201", "17 cb0071");
  const UpdateMessage u = std::get<UpdateMessage>(Decode(bytes, Ibgp4()).message);
  REQUIRE(u.nlri.size() == 1);
  CHECK(u.nlri[0].ToString() == "203.0.112.0/23");
}

}  // namespace
}  // namespace kr::bgp
