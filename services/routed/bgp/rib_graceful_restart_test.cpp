// The RIB's graceful-restart helper side (RFC 4724 4.2): routes kept stale through a peer's
// restart, replaced when re-sent, flushed at End-of-RIB or on demand.
#include <catch2/catch.hpp>

#include "services/routed/bgp/rib.h"
#include "services/routed/bgp/rib_test_util.h"

namespace kr::bgp {
namespace {

using namespace testing;

// Peer 1 (restarting, eBGP) announced two IPv4 prefixes and one IPv6; peer 2 listens.
Rib WithRoutesFromPeer1() {
  Rib rib(kLocalAs, kLocalRouterId);
  rib.PeerUp(MakePeer(1, 65002, "192.0.2.2", 2));
  rib.PeerUp(MakePeer(2, 65003, "192.0.2.3", 3));
  rib.Apply(1, Announce("203.0.113.0/24", {65002}, "192.0.2.2"));
  rib.Apply(1, Announce("198.51.100.0/24", {65002}, "192.0.2.2"));
  UpdateMessage v6;
  v6.attributes.origin = Origin::kIgp;
  v6.attributes.as_path = AsPath{{{AsSegmentType::kSequence, {65002}}}};
  v6.mp_reach = MpReachNlri{kIpv6Unicast, A("2001:db8::2"), std::nullopt, {P("2001:db8:1::/48")}};
  rib.Apply(1, v6);
  return rib;
}

TEST_CASE("bgp gr: a graceful down keeps the routes stale and sends nothing", "[bgp]") {
  Rib rib = WithRoutesFromPeer1();
  CHECK(rib.PeerDown(1, /*keep_stale=*/true).empty());
  CHECK(rib.stale_count(1) == 3);
  CHECK(rib.IsStale(1, P("203.0.113.0/24")));
  REQUIRE(rib.Best(P("203.0.113.0/24")) != nullptr);
  CHECK(rib.AdjRibOut(2).size() == 3);
  // An UPDATE while down is ignored.
  CHECK(rib.Apply(1, Withdrawal("203.0.113.0/24")).empty());
}

TEST_CASE("bgp gr: re-sent routes stop being stale and End-of-RIB flushes the rest", "[bgp]") {
  Rib rib = WithRoutesFromPeer1();
  rib.PeerDown(1, true);
  rib.PeerUp(MakePeer(1, 65002, "192.0.2.2", 2));
  CHECK(rib.stale_count(1) == 3);
  // Re-sent with a new attribute: replaces the stale copy and goes out.
  UpdateMessage again = Announce("203.0.113.0/24", {65002, 65010}, "192.0.2.2");
  auto out = rib.Apply(1, again);
  REQUIRE(To(out, 2) != nullptr);
  CHECK(To(out, 2)->attributes->as_path->ToString() == "65001 65002 65010");
  CHECK_FALSE(rib.IsStale(1, P("203.0.113.0/24")));
  CHECK(rib.stale_count(1) == 2);

  out = rib.EndOfRib(1, kIpv4Unicast);
  REQUIRE(To(out, 2, "198.51.100.0/24") != nullptr);
  CHECK_FALSE(To(out, 2, "198.51.100.0/24")->attributes.has_value());
  CHECK(rib.Best(P("198.51.100.0/24")) == nullptr);
  CHECK(rib.Best(P("203.0.113.0/24")) != nullptr);
  // The IPv6 route waits for the IPv6 End-of-RIB.
  CHECK(rib.Best(P("2001:db8:1::/48")) != nullptr);
  CHECK(rib.stale_count(1) == 1);
  out = rib.EndOfRib(1, kIpv6Unicast);
  CHECK(To(out, 2, "2001:db8:1::/48") != nullptr);
  CHECK(rib.stale_count(1) == 0);
}

TEST_CASE("bgp gr: restart time out flushes every stale route and forgets the peer", "[bgp]") {
  Rib rib = WithRoutesFromPeer1();
  rib.PeerDown(1, true);
  auto out = rib.FlushStale(1);
  CHECK(out.size() == 3);
  CHECK(rib.LocRib().empty());
  CHECK(rib.stale_count(1) == 0);
  CHECK(rib.received_count(1) == 0);
}

TEST_CASE("bgp gr: a normal down after a graceful one withdraws the stale routes", "[bgp]") {
  Rib rib = WithRoutesFromPeer1();
  rib.PeerDown(1, true);
  rib.PeerUp(MakePeer(1, 65002, "192.0.2.2", 2));
  auto out = rib.PeerDown(1);
  CHECK(out.size() == 3);
  CHECK(rib.LocRib().empty());
  CHECK(rib.stale_count(1) == 0);
}

TEST_CASE("bgp gr: a stale route stays a candidate while another peer's route comes and goes",
          "[bgp]") {
  Rib rib = WithRoutesFromPeer1();
  rib.PeerDown(1, true);
  rib.Apply(2, Announce("203.0.113.0/24", {65003}, "192.0.2.3"));
  REQUIRE(rib.Best(P("203.0.113.0/24")) != nullptr);
  rib.Apply(2, Withdrawal("203.0.113.0/24"));
  REQUIRE(rib.Best(P("203.0.113.0/24")) != nullptr);
  CHECK(rib.Best(P("203.0.113.0/24"))->from == 1);
}

}  // namespace
}  // namespace kr::bgp
