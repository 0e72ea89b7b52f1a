// Per-peer policy in the RIB: import reject prefix ranges, AS-path prepend on export,
// communities on originated routes, and the Loc-RIB generation counter.
#include <catch2/catch.hpp>

#include "services/routed/bgp/rib.h"
#include "services/routed/bgp/rib_test_util.h"

namespace kr::bgp {
namespace {

using namespace testing;

TEST_CASE("bgp policy: import reject ranges drop matching prefixes from one peer only", "[bgp]") {
  Rib rib(kLocalAs, kLocalRouterId);
  RibPeer filtered = MakePeer(1, 65002, "192.0.2.2", 2);
  filtered.import_reject = {*PrefixRange::Parse("10.0.0.0/8 le 32"),
                            *PrefixRange::Parse("203.0.113.0/24")};
  rib.PeerUp(filtered);
  rib.PeerUp(MakePeer(2, 65003, "192.0.2.3", 3));

  CHECK(rib.Apply(1, Announce("10.1.0.0/16", {65002}, "192.0.2.2")).empty());
  CHECK(rib.Apply(1, Announce("203.0.113.0/24", {65002}, "192.0.2.2")).empty());
  CHECK(rib.Best(P("10.1.0.0/16")) == nullptr);
  CHECK(rib.Best(P("203.0.113.0/24")) == nullptr);
  // Not in a range (a longer prefix than the exact one): accepted and passed on.
  auto out = rib.Apply(1, Announce("203.0.113.128/25", {65002}, "192.0.2.2"));
  CHECK(To(out, 2) != nullptr);
  CHECK(rib.Best(P("203.0.113.128/25")) != nullptr);
  // The same prefix from the unfiltered peer is accepted.
  rib.Apply(2, Announce("10.1.0.0/16", {65003}, "192.0.2.3"));
  REQUIRE(rib.Best(P("10.1.0.0/16")) != nullptr);
  CHECK(rib.Best(P("10.1.0.0/16"))->from == 2);
  CHECK(rib.received_count(1) == 1);
  CHECK(rib.accepted_count(1) == 1);
  CHECK(rib.accepted_count(2) == 1);
}

TEST_CASE("bgp policy: import reject ranges apply to IPv6 routes in MP_REACH", "[bgp]") {
  Rib rib(kLocalAs, kLocalRouterId);
  RibPeer filtered = MakePeer(1, 65002, "192.0.2.2", 2);
  filtered.import_reject = {*PrefixRange::Parse("2001:db8:1::/48 ge 64")};
  rib.PeerUp(filtered);
  UpdateMessage u;
  u.attributes.origin = Origin::kIgp;
  u.attributes.as_path = AsPath{{{AsSegmentType::kSequence, {65002}}}};
  u.mp_reach = MpReachNlri{
      kIpv6Unicast, A("2001:db8::2"), std::nullopt, {P("2001:db8:1:5::/64"), P("2001:db8:1::/48")}};
  rib.Apply(1, u);
  CHECK(rib.Best(P("2001:db8:1:5::/64")) == nullptr);
  CHECK(rib.Best(P("2001:db8:1::/48")) != nullptr);
}

TEST_CASE("bgp policy: AS-path prepend adds our AS the configured extra times", "[bgp]") {
  Rib rib(kLocalAs, kLocalRouterId);
  RibPeer prepended = MakePeer(1, 65002, "192.0.2.2", 2);
  prepended.as_path_prepend = 2;
  rib.PeerUp(prepended);
  rib.PeerUp(MakePeer(2, 65003, "192.0.2.3", 3));
  rib.PeerUp(MakePeer(3, kLocalAs, "192.0.2.4", 4));
  auto out = rib.Originate(P("198.51.100.0/24"));
  REQUIRE(To(out, 1) != nullptr);
  CHECK(To(out, 1)->attributes->as_path->ToString() == "65001 65001 65001");
  REQUIRE(To(out, 2) != nullptr);
  CHECK(To(out, 2)->attributes->as_path->ToString() == "65001");
  REQUIRE(To(out, 3) != nullptr);
  CHECK(To(out, 3)->attributes->as_path->ToString().empty());

  out = rib.Apply(2, Announce("203.0.113.0/24", {65003}, "192.0.2.3"));
  REQUIRE(To(out, 1) != nullptr);
  CHECK(To(out, 1)->attributes->as_path->ToString() == "65001 65001 65001 65003");
}

TEST_CASE("bgp policy: communities set on an originated route go out with it", "[bgp]") {
  Rib rib(kLocalAs, kLocalRouterId);
  rib.PeerUp(MakePeer(1, 65002, "192.0.2.2", 2));
  auto out = rib.Originate(P("198.51.100.0/24"), Origin::kIgp, {0xfde90064});  // 65001:100
  REQUIRE(To(out, 1) != nullptr);
  CHECK(To(out, 1)->attributes->communities == std::vector<uint32_t>{0xfde90064});
  // NO_EXPORT on an originated route keeps it from eBGP peers.
  out = rib.Originate(P("198.51.100.0/24"), Origin::kIgp, {community::kNoExport});
  REQUIRE(To(out, 1) != nullptr);
  CHECK_FALSE(To(out, 1)->attributes.has_value());
}

TEST_CASE("bgp policy: the Loc-RIB generation moves exactly when the Loc-RIB changes", "[bgp]") {
  Rib rib(kLocalAs, kLocalRouterId);
  rib.PeerUp(MakePeer(1, 65002, "192.0.2.2", 2));
  rib.PeerUp(MakePeer(2, 65003, "192.0.2.3", 3));
  uint64_t g = rib.generation();
  rib.Apply(1, Announce("203.0.113.0/24", {65002}, "192.0.2.2"));
  CHECK(rib.generation() > g);
  g = rib.generation();
  rib.Apply(2, Announce("203.0.113.0/24", {65003, 65004}, "192.0.2.3"));  // longer: not best
  CHECK(rib.generation() == g);
  rib.Apply(2, Withdrawal("203.0.113.0/24"));
  CHECK(rib.generation() == g);
  rib.Apply(2, Withdrawal("192.0.2.0/24"));  // never announced
  CHECK(rib.generation() == g);
  rib.Apply(1, Withdrawal("203.0.113.0/24"));
  CHECK(rib.generation() > g);
  CHECK(rib.LocRib().empty());
}

}  // namespace
}  // namespace kr::bgp
