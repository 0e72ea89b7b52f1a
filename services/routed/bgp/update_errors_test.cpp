// Malformed UPDATEs: the RFC 7606 approach taken, and the RFC 4271 NOTIFICATION (code,
// subcode, data) that the strict policy sends instead.
#include <catch2/catch.hpp>

#include "services/routed/bgp/message.h"
#include "services/routed/bgp/test_util.h"

namespace kr::bgp {
namespace {

using testing::Hex;
using testing::ToHex;
using testing::UpdateFrame;

// Well-formed mandatory attributes and one announced prefix, to combine with one bad part.
constexpr const char* kOrigin = "40 01 01 00";
constexpr const char* kAsPath = "40 02 06 02 01 0000fde9";
constexpr const char* kNextHop = "40 03 04 c0000201";
constexpr const char* kNlri = "18 cb0071";

std::string Attrs(std::initializer_list<const char*> parts) {
  std::string out;
  for (const char* p : parts) out += std::string(p) + " ";
  return out;
}

CodecOptions Options(bool external = false, bool strict = false) {
  CodecOptions o;
  o.four_octet_as = true;
  o.external_peer = external;
  o.error_policy = strict ? UpdateErrorPolicy::kStrict : UpdateErrorPolicy::kRevised;
  return o;
}

NotificationMessage ResetOf(const std::vector<uint8_t>& bytes, const CodecOptions& o = Options()) {
  auto decoded = DecodeMessage(bytes, o);
  REQUIRE_FALSE(decoded.ok());
  return decoded.error().notification;
}

DecodedMessage Revised(const std::vector<uint8_t>& bytes, const CodecOptions& o = Options()) {
  auto decoded = DecodeMessage(bytes, o);
  if (!decoded) FAIL(decoded.error().reason);
  return std::move(decoded).value();
}

// Checks a treat-as-withdraw outcome and that the strict policy sends `rfc4271` instead.
void ExpectTreatAsWithdraw(const std::vector<uint8_t>& bytes, const NotificationMessage& rfc4271,
                           CodecOptions options = Options()) {
  const DecodedMessage m = Revised(bytes, options);
  CHECK(m.treated_as_withdraw);
  REQUIRE_FALSE(m.update_actions.empty());
  CHECK(m.update_actions.front().approach == ErrorApproach::kTreatAsWithdraw);
  CHECK(m.update_actions.front().rfc4271_error == rfc4271);
  const auto& u = std::get<UpdateMessage>(m.message);
  CHECK(u.nlri.empty());
  CHECK(u.withdrawn == std::vector<IpPrefix>{*IpPrefix::Parse("203.0.113.0/24")});
  CHECK(u.attributes == PathAttributes{});
  options.error_policy = UpdateErrorPolicy::kStrict;
  CHECK(ResetOf(bytes, options) == rfc4271);
}

void ExpectAttributeDiscard(const std::vector<uint8_t>& bytes, uint8_t type,
                            const NotificationMessage& rfc4271, CodecOptions options = Options()) {
  const DecodedMessage m = Revised(bytes, options);
  CHECK_FALSE(m.treated_as_withdraw);
  REQUIRE(m.update_actions.size() == 1);
  CHECK(m.update_actions[0].approach == ErrorApproach::kAttributeDiscard);
  CHECK(m.update_actions[0].attribute_type == type);
  CHECK(m.update_actions[0].rfc4271_error == rfc4271);
  const auto& u = std::get<UpdateMessage>(m.message);
  CHECK(u.nlri == std::vector<IpPrefix>{*IpPrefix::Parse("203.0.113.0/24")});
  CHECK(u.attributes.origin == Origin::kIgp);
  options.error_policy = UpdateErrorPolicy::kStrict;
  CHECK(ResetOf(bytes, options) == rfc4271);
}

NotificationMessage Update(uint8_t subcode, std::string_view data_hex = "") {
  return NotificationMessage{err::kUpdateMessage, subcode, Hex(data_hex)};
}

TEST_CASE("bgp 7606: malformed attribute list", "[bgp]") {
  SECTION("withdrawn routes length past the message: session reset 3/1") {
    auto bytes = UpdateFrame("18 c63364", "", "");
    bytes[20] = 0x09;
    CHECK(ResetOf(bytes) == Update(err::kMalformedAttributeList));
  }
  SECTION("total attribute length past the message: session reset 3/1") {
    auto bytes = UpdateFrame("", Attrs({kOrigin}), "");
    bytes[22] = 0x05;
    CHECK(ResetOf(bytes) == Update(err::kMalformedAttributeList));
  }
  SECTION("an attribute overrunning the list: treat-as-withdraw") {
    ExpectTreatAsWithdraw(
        UpdateFrame("", Attrs({kOrigin, kAsPath, kNextHop, "80 04 09 0000"}), kNlri),
        Update(err::kMalformedAttributeList));
  }
  SECTION("a lone octet after the last attribute: treat-as-withdraw") {
    ExpectTreatAsWithdraw(UpdateFrame("", Attrs({kOrigin, kAsPath, kNextHop, "80"}), kNlri),
                          Update(err::kMalformedAttributeList));
  }
  SECTION("duplicate MP_REACH_NLRI: session reset 3/1") {
    const char* mp = "80 0e 15 0002 01 10 20010db8000000000000000000000001 00";
    CHECK(ResetOf(UpdateFrame("", Attrs({mp, mp, kOrigin, kAsPath}), "")) ==
          Update(err::kMalformedAttributeList));
  }
  SECTION("duplicate MP_UNREACH_NLRI: session reset 3/1") {
    const char* mp = "80 0f 03 0002 01";
    CHECK(ResetOf(UpdateFrame("", Attrs({mp, mp}), "")) == Update(err::kMalformedAttributeList));
  }
  SECTION("other duplicates: all but the first discarded") {
    const auto bytes = UpdateFrame("", Attrs({kOrigin, "40 01 01 02", kAsPath, kNextHop}), kNlri);
    ExpectAttributeDiscard(bytes, attr::kOrigin, Update(err::kMalformedAttributeList));
    CHECK(std::get<UpdateMessage>(Revised(bytes).message).attributes.origin == Origin::kIgp);
  }
}

TEST_CASE("bgp 7606: unrecognized well-known attribute resets with the attribute", "[bgp]") {
  CHECK(ResetOf(UpdateFrame("", Attrs({kOrigin, kAsPath, kNextHop, "40 63 02 abcd"}), kNlri)) ==
        Update(err::kUnrecognizedWellKnownAttribute, "40 63 02 abcd"));
}

TEST_CASE("bgp 7606: missing well-known attributes are treat-as-withdraw", "[bgp]") {
  ExpectTreatAsWithdraw(UpdateFrame("", Attrs({kAsPath, kNextHop}), kNlri),
                        Update(err::kMissingWellKnownAttribute, "01"));
  ExpectTreatAsWithdraw(UpdateFrame("", Attrs({kOrigin, kNextHop}), kNlri),
                        Update(err::kMissingWellKnownAttribute, "02"));
  ExpectTreatAsWithdraw(UpdateFrame("", Attrs({kOrigin, kAsPath}), kNlri),
                        Update(err::kMissingWellKnownAttribute, "03"));
  SECTION("MP_REACH_NLRI needs no NEXT_HOP, and withdrawals need no attributes") {
    const char* mp = "80 0e 1c 0002 01 10 20010db8000000000000000000000001 00 30 20010db80001";
    CHECK(Revised(UpdateFrame("", Attrs({mp, kOrigin, kAsPath}), "")).update_actions.empty());
    CHECK(Revised(UpdateFrame("18 c63364", "", "")).update_actions.empty());
  }
}

TEST_CASE("bgp 7606: attribute flags errors", "[bgp]") {
  SECTION("ORIGIN marked optional: treat-as-withdraw, 3/4 with the attribute") {
    ExpectTreatAsWithdraw(UpdateFrame("", Attrs({"c0 01 01 00", kAsPath, kNextHop}), kNlri),
                          Update(err::kAttributeFlagsError, "c0 01 01 00"));
  }
  SECTION("MED marked transitive") {
    ExpectTreatAsWithdraw(
        UpdateFrame("", Attrs({kOrigin, kAsPath, kNextHop, "c0 04 04 00000001"}), kNlri),
        Update(err::kAttributeFlagsError, "c0 04 04 00000001"));
  }
  SECTION("MP_REACH_NLRI marked transitive: session reset 3/4") {
    const char* mp = "c0 0e 15 0002 01 10 20010db8000000000000000000000001 00";
    CHECK(ResetOf(UpdateFrame("", Attrs({mp, kOrigin, kAsPath}), "")) ==
          Update(err::kAttributeFlagsError, mp));
  }
}

TEST_CASE("bgp 7606: attribute length errors", "[bgp]") {
  ExpectTreatAsWithdraw(UpdateFrame("", Attrs({"40 01 02 0000", kAsPath, kNextHop}), kNlri),
                        Update(err::kAttributeLengthError, "40 01 02 0000"));
  ExpectTreatAsWithdraw(UpdateFrame("", Attrs({kOrigin, kAsPath, "40 03 05 c000020100"}), kNlri),
                        Update(err::kAttributeLengthError, "40 03 05 c000020100"));
  SECTION("malformed MED: treat-as-withdraw") {
    ExpectTreatAsWithdraw(
        UpdateFrame("", Attrs({kOrigin, kAsPath, kNextHop, "80 04 03 000001"}), kNlri),
        Update(err::kAttributeLengthError, "80 04 03 000001"));
  }
  SECTION("malformed LOCAL_PREF from an iBGP peer: treat-as-withdraw") {
    ExpectTreatAsWithdraw(UpdateFrame("", Attrs({kOrigin, kAsPath, kNextHop, "40 05 00"}), kNlri),
                          Update(err::kAttributeLengthError, "40 05 00"));
  }
  SECTION("LOCAL_PREF from an eBGP peer is ignored, malformed or not") {
    CHECK(Revised(UpdateFrame("", Attrs({kOrigin, kAsPath, kNextHop, "c0 05 04 00000064"}), kNlri),
                  Options(true))
              .update_actions.empty());
    const DecodedMessage m = Revised(
        UpdateFrame("", Attrs({kOrigin, kAsPath, kNextHop, "40 05 00"}), kNlri), Options(true));
    CHECK(m.update_actions.empty());
  }
  SECTION("malformed ATOMIC_AGGREGATE: attribute discard") {
    ExpectAttributeDiscard(
        UpdateFrame("", Attrs({kOrigin, kAsPath, kNextHop, "40 06 01 00"}), kNlri),
        attr::kAtomicAggregate, Update(err::kAttributeLengthError, "40 06 01 00"));
  }
  SECTION("malformed AGGREGATOR: attribute discard") {
    ExpectAttributeDiscard(
        UpdateFrame("", Attrs({kOrigin, kAsPath, kNextHop, "c0 07 06 fde9 c0000201"}), kNlri),
        attr::kAggregator, Update(err::kAttributeLengthError, "c0 07 06 fde9 c0000201"));
  }
  SECTION("malformed ORIGINATOR_ID and CLUSTER_LIST: treat-as-withdraw") {
    ExpectTreatAsWithdraw(
        UpdateFrame("", Attrs({kOrigin, kAsPath, kNextHop, "80 09 03 c00002"}), kNlri),
        Update(err::kAttributeLengthError, "80 09 03 c00002"));
    ExpectTreatAsWithdraw(
        UpdateFrame("", Attrs({kOrigin, kAsPath, kNextHop, "80 0a 06 c0000201 0000"}), kNlri),
        Update(err::kOptionalAttributeError, "80 0a 06 c0000201 0000"));
  }
}

TEST_CASE("bgp 7606: invalid ORIGIN value is treat-as-withdraw", "[bgp]") {
  ExpectTreatAsWithdraw(UpdateFrame("", Attrs({"40 01 01 03", kAsPath, kNextHop}), kNlri),
                        Update(err::kInvalidOrigin, "40 01 01 03"));
}

TEST_CASE("bgp 7606: invalid NEXT_HOP", "[bgp]") {
  ExpectTreatAsWithdraw(UpdateFrame("", Attrs({kOrigin, kAsPath, "40 03 04 00000000"}), kNlri),
                        Update(err::kInvalidNextHop, "40 03 04 00000000"));
  ExpectTreatAsWithdraw(UpdateFrame("", Attrs({kOrigin, kAsPath, "40 03 04 e0000001"}), kNlri),
                        Update(err::kInvalidNextHop, "40 03 04 e0000001"));
  SECTION("without IPv4 NLRI the NEXT_HOP is only discarded") {
    const char* mp = "80 0e 1c 0002 01 10 20010db8000000000000000000000001 00 30 20010db80001";
    const DecodedMessage m =
        Revised(UpdateFrame("", Attrs({mp, kOrigin, kAsPath, "40 03 04 00000000"}), ""));
    REQUIRE(m.update_actions.size() == 1);
    CHECK(m.update_actions[0].approach == ErrorApproach::kAttributeDiscard);
    CHECK(std::get<UpdateMessage>(m.message).mp_reach->nlri.size() == 1);
  }
}

TEST_CASE("bgp 7606: optional attribute errors", "[bgp]") {
  SECTION("COMMUNITIES not a multiple of 4: treat-as-withdraw") {
    ExpectTreatAsWithdraw(
        UpdateFrame("", Attrs({kOrigin, kAsPath, kNextHop, "c0 08 05 0000000001"}), kNlri),
        Update(err::kOptionalAttributeError, "c0 08 05 0000000001"));
  }
  SECTION("MP_REACH_NLRI next hop length 5: session reset 3/9") {
    const char* mp = "80 0e 0a 0001 01 05 c000020100 00";
    CHECK(ResetOf(UpdateFrame("", Attrs({mp, kOrigin, kAsPath}), "")) ==
          Update(err::kOptionalAttributeError, mp));
  }
  SECTION("MP_REACH_NLRI with a bad prefix: session reset 3/9") {
    const char* mp = "80 0e 17 0002 01 10 20010db8000000000000000000000001 00 81 20";
    CHECK(ResetOf(UpdateFrame("", Attrs({mp, kOrigin, kAsPath}), "")) ==
          Update(err::kOptionalAttributeError, mp));
  }
  SECTION("truncated MP_UNREACH_NLRI: session reset 3/9") {
    CHECK(ResetOf(UpdateFrame("", "80 0f 02 0002", "")) ==
          Update(err::kOptionalAttributeError, "80 0f 02 0002"));
  }
  SECTION("malformed AS4_PATH on a 2-octet session: attribute discard") {
    CodecOptions two = Options();
    two.four_octet_as = false;
    ExpectAttributeDiscard(
        UpdateFrame("", Attrs({kOrigin, "40 02 04 02 01 fde9", kNextHop, "c0 11 03 02 01 00"}),
                    kNlri),
        attr::kAs4Path, Update(err::kOptionalAttributeError, "c0 11 03 02 01 00"), two);
  }
  SECTION("MP_REACH_NLRI of an unsupported family: attribute discard") {
    const DecodedMessage m =
        Revised(UpdateFrame("", Attrs({"80 0e 09 0001 80 04 c0000201 00", kOrigin, kAsPath}), ""));
    REQUIRE(m.update_actions.size() == 1);
    CHECK(m.update_actions[0].approach == ErrorApproach::kAttributeDiscard);
    CHECK_FALSE(std::get<UpdateMessage>(m.message).mp_reach);
  }
}

TEST_CASE("bgp 7606: invalid network field resets the session", "[bgp]") {
  CHECK(ResetOf(UpdateFrame("", Attrs({kOrigin, kAsPath, kNextHop}), "21 cb007100")) ==
        Update(err::kInvalidNetworkField));
  CHECK(ResetOf(UpdateFrame("", Attrs({kOrigin, kAsPath, kNextHop}), "18 cb00")) ==
        Update(err::kInvalidNetworkField));
  CHECK(ResetOf(UpdateFrame("20 c63364", "", "")) == Update(err::kInvalidNetworkField));
}

TEST_CASE("bgp 7606: malformed AS_PATH is treat-as-withdraw", "[bgp]") {
  SECTION("unknown segment type") {
    ExpectTreatAsWithdraw(
        UpdateFrame("", Attrs({kOrigin, "40 02 06 05 01 0000fde9", kNextHop}), kNlri),
        Update(err::kMalformedAsPath));
  }
  SECTION("zero-length segment") {
    ExpectTreatAsWithdraw(UpdateFrame("", Attrs({kOrigin, "40 02 02 02 00", kNextHop}), kNlri),
                          Update(err::kMalformedAsPath));
  }
  SECTION("segment overrun") {
    ExpectTreatAsWithdraw(
        UpdateFrame("", Attrs({kOrigin, "40 02 06 02 02 0000fde9", kNextHop}), kNlri),
        Update(err::kMalformedAsPath));
  }
  SECTION("eBGP path not starting with the peer AS") {
    CodecOptions o = Options(true);
    o.enforce_first_as = 65002;
    ExpectTreatAsWithdraw(UpdateFrame("", Attrs({kOrigin, kAsPath, kNextHop}), kNlri),
                          Update(err::kMalformedAsPath), o);
  }
}

TEST_CASE("bgp RFC 7607: AS 0 in AS_PATH withdraws, in AGGREGATOR is discarded", "[bgp]") {
  ExpectTreatAsWithdraw(
      UpdateFrame("", Attrs({kOrigin, "40 02 0a 02 02 0000fde9 00000000", kNextHop}), kNlri),
      Update(err::kMalformedAsPath));
  ExpectAttributeDiscard(
      UpdateFrame("", Attrs({kOrigin, kAsPath, kNextHop, "c0 07 08 00000000 c0000201"}), kNlri),
      attr::kAggregator, Update(err::kOptionalAttributeError, "c0 07 08 00000000 c0000201"));
  CHECK(ErrorApproachName(ErrorApproach::kTreatAsWithdraw) == "treat-as-withdraw");
}

TEST_CASE("bgp 7606: treat-as-withdraw withdraws IPv6 announcements too", "[bgp]") {
  const char* mp = "80 0e 1c 0002 01 10 20010db8000000000000000000000001 00 30 20010db80001";
  const DecodedMessage m =
      Revised(UpdateFrame("", Attrs({mp, "40 01 01 07", kAsPath, kNextHop}), kNlri));
  CHECK(m.treated_as_withdraw);
  const auto& u = std::get<UpdateMessage>(m.message);
  CHECK_FALSE(u.mp_reach);
  REQUIRE(u.mp_unreach);
  CHECK(u.mp_unreach->withdrawn == std::vector<IpPrefix>{*IpPrefix::Parse("2001:db8:1::/48")});
  CHECK(u.withdrawn == std::vector<IpPrefix>{*IpPrefix::Parse("203.0.113.0/24")});
}

TEST_CASE("bgp 7606: the most severe approach wins", "[bgp]") {
  // A discardable AGGREGATOR error, then a bad ORIGIN, then an unrecognized well-known one.
  const auto bytes =
      UpdateFrame("", Attrs({"40 01 01 09", kAsPath, kNextHop, "c0 07 01 00", "40 63 00"}), kNlri);
  CHECK(ResetOf(bytes) == Update(err::kUnrecognizedWellKnownAttribute, "40 63 00"));
}

}  // namespace
}  // namespace kr::bgp
