#include "services/routed/bgp/rib.h"

#include <catch2/catch.hpp>

#include "services/routed/bgp/rib_test_util.h"

namespace kr::bgp {
namespace {

using namespace testing;

TEST_CASE("bgp rib: a local prefix goes to eBGP with next-hop self and our AS prepended", "[bgp]") {
  Rib rib(kLocalAs, 0xc0000201);
  rib.PeerUp(MakePeer(1, 65002, "192.0.2.2", 2));
  rib.PeerUp(MakePeer(2, kLocalAs, "192.0.2.3", 3));
  auto out = rib.Originate(P("198.51.100.0/24"));
  const OutgoingRoute* ebgp = To(out, 1);
  REQUIRE(ebgp != nullptr);
  REQUIRE(ebgp->attributes);
  CHECK(ebgp->attributes->as_path->ToString() == "65001");
  CHECK(ebgp->attributes->next_hop == A("192.0.2.1"));
  CHECK_FALSE(ebgp->attributes->local_pref.has_value());
  const OutgoingRoute* ibgp = To(out, 2);
  REQUIRE(ibgp != nullptr);
  CHECK(ibgp->attributes->as_path->ToString().empty());
  CHECK(ibgp->attributes->local_pref == 100u);

  out = rib.WithdrawLocal(P("198.51.100.0/24"));
  REQUIRE(To(out, 1) != nullptr);
  CHECK_FALSE(To(out, 1)->attributes.has_value());
  CHECK(rib.LocRib().empty());
}

TEST_CASE("bgp rib: the shorter AS path wins and the loser's withdrawal reselects", "[bgp]") {
  Rib rib(kLocalAs, 0xc0000201);
  rib.PeerUp(MakePeer(1, 65002, "192.0.2.2", 2));
  rib.PeerUp(MakePeer(2, 65003, "192.0.2.3", 3));
  rib.Apply(1, Announce("203.0.113.0/24", {65002, 65010, 65020}, "192.0.2.2"));
  auto out = rib.Apply(2, Announce("203.0.113.0/24", {65003, 65020}, "192.0.2.3"));
  REQUIRE(rib.Best(P("203.0.113.0/24")) != nullptr);
  CHECK(rib.Best(P("203.0.113.0/24"))->from == 2);
  // Peer 1 now gets peer 2's route; peer 2 gets a withdrawal of peer 1's.
  REQUIRE(To(out, 1) != nullptr);
  CHECK(To(out, 1)->attributes->as_path->ToString() == "65001 65003 65020");
  REQUIRE(To(out, 2) != nullptr);
  CHECK_FALSE(To(out, 2)->attributes.has_value());

  UpdateMessage withdraw;
  withdraw.withdrawn.push_back(P("203.0.113.0/24"));
  rib.Apply(2, withdraw);
  CHECK(rib.Best(P("203.0.113.0/24"))->from == 1);
  rib.PeerDown(1);
  CHECK(rib.Best(P("203.0.113.0/24")) == nullptr);
}

TEST_CASE("bgp rib: decision order LOCAL_PREF, origin, MED, eBGP over iBGP, router id", "[bgp]") {
  Rib rib(kLocalAs, 0xc0000201);
  rib.PeerUp(MakePeer(1, kLocalAs, "192.0.2.2", 20));
  rib.PeerUp(MakePeer(2, kLocalAs, "192.0.2.3", 10));
  rib.PeerUp(MakePeer(3, 65002, "192.0.2.4", 30));
  const IpPrefix prefix = P("203.0.113.0/24");
  RibRoute a{1, prefix, {}, A("192.0.2.2")};
  RibRoute b{2, prefix, {}, A("192.0.2.3")};
  a.attributes.origin = b.attributes.origin = Origin::kIgp;
  a.attributes.as_path = b.attributes.as_path = AsPath{{{AsSegmentType::kSequence, {65002}}}};
  a.attributes.local_pref = 200;
  b.attributes.local_pref = 100;
  CHECK(rib.Better(a, b));
  b.attributes.local_pref = 200;
  b.attributes.origin = Origin::kIncomplete;
  CHECK(rib.Better(a, b));
  b.attributes.origin = Origin::kIgp;
  a.attributes.med = 50;
  b.attributes.med = 10;
  CHECK(rib.Better(b, a));  // same neighbour AS: lower MED
  b.attributes.med = 50;
  CHECK(rib.Better(b, a));  // all equal: lower router id (10 < 20)
  RibRoute c{3, prefix, a.attributes, A("192.0.2.4")};
  c.attributes.local_pref.reset();
  a.attributes.local_pref = 100;
  a.attributes.med.reset();
  c.attributes.med.reset();
  CHECK(rib.Better(c, a));  // eBGP over iBGP
}

TEST_CASE("bgp rib: iBGP routes are not sent to iBGP peers; loops are rejected", "[bgp]") {
  Rib rib(kLocalAs, 0xc0000201);
  rib.PeerUp(MakePeer(1, kLocalAs, "192.0.2.2", 2));
  rib.PeerUp(MakePeer(2, kLocalAs, "192.0.2.3", 3));
  rib.PeerUp(MakePeer(3, 65002, "192.0.2.4", 4));
  auto out = rib.Apply(1, Announce("203.0.113.0/24", {}, "192.0.2.2"));
  CHECK(To(out, 2) == nullptr);
  REQUIRE(To(out, 3) != nullptr);
  CHECK(To(out, 3)->attributes->as_path->ToString() == "65001");

  out = rib.Apply(3, Announce("198.51.100.0/24", {65002, kLocalAs}, "192.0.2.4"));
  CHECK(out.empty());
  CHECK(rib.Best(P("198.51.100.0/24")) == nullptr);
}

TEST_CASE("bgp rib: IPv6 routes from MP_REACH export with our IPv6 next hop", "[bgp]") {
  Rib rib(kLocalAs, 0xc0000201);
  rib.PeerUp(MakePeer(1, 65002, "192.0.2.2", 2));
  rib.PeerUp(MakePeer(2, 65003, "192.0.2.3", 3));
  UpdateMessage u;
  u.attributes.origin = Origin::kIgp;
  u.attributes.as_path = AsPath{{{AsSegmentType::kSequence, {65002}}}};
  u.mp_reach = MpReachNlri{kIpv6Unicast, A("2001:db8::2"), std::nullopt, {P("2001:db8:1::/48")}};
  auto out = rib.Apply(1, u);
  REQUIRE(To(out, 2) != nullptr);
  CHECK(To(out, 2)->next_hop == A("2001:db8::1"));
  CHECK_FALSE(To(out, 2)->attributes->next_hop.has_value());
  CHECK(rib.AdjRibIn(1).size() == 1);
  CHECK(rib.AdjRibOut(2).size() == 1);
}

}  // namespace
}  // namespace kr::bgp
