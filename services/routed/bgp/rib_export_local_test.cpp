// The export-local-only policy (external routers get only the routes we originate) and the
// route ages kept by the RIB's owner-set clock.
#include <catch2/catch.hpp>

#include "services/routed/bgp/rib.h"
#include "services/routed/bgp/rib_test_util.h"

namespace kr::bgp {
namespace {

using namespace testing;

TEST_CASE("bgp export policy: an export-local-only peer gets only our own routes", "[bgp]") {
  Rib rib(kLocalAs, kLocalRouterId);
  RibPeer external = MakePeer(1, 65100, "192.0.2.100", 100);
  external.export_local_only = true;
  rib.PeerUp(external);
  rib.PeerUp(MakePeer(2, kLocalAs, "192.0.2.2", 2));  // another node (iBGP)
  rib.PeerUp(MakePeer(3, 65003, "192.0.2.3", 3));     // an ordinary eBGP peer
  rib.PeerUp(MakePeer(4, kLocalAs, "192.0.2.4", 4));  // a third node

  // Our pod CIDR, IPv4 and IPv6: to everyone, the external router included.
  auto out = rib.Originate(P("10.244.1.0/24"));
  CHECK(To(out, 1, "10.244.1.0/24") != nullptr);
  CHECK(To(out, 2, "10.244.1.0/24") != nullptr);
  CHECK(To(out, 3, "10.244.1.0/24") != nullptr);
  out = rib.Originate(P("2001:db8:244:1::/64"));
  REQUIRE(To(out, 1, "2001:db8:244:1::/64") != nullptr);
  CHECK(To(out, 1, "2001:db8:244:1::/64")->next_hop == A("2001:db8::1"));

  // Another node's pod CIDR (iBGP): not to the external router; to the eBGP peer as before.
  out = rib.Apply(2, Announce("10.244.2.0/24", {}, "192.0.2.2"));
  CHECK(To(out, 1) == nullptr);
  CHECK(To(out, 3, "10.244.2.0/24") != nullptr);
  // A route from an eBGP peer: to the nodes, not to the external router.
  out = rib.Apply(3, Announce("203.0.113.0/24", {65003}, "192.0.2.3"));
  CHECK(To(out, 1) == nullptr);
  CHECK(To(out, 2, "203.0.113.0/24") != nullptr);
  CHECK(To(out, 4, "203.0.113.0/24") != nullptr);

  std::vector<std::string> sent;
  for (const OutgoingRoute& r : rib.AdjRibOut(1)) sent.push_back(r.prefix.ToString());
  CHECK(sent == std::vector<std::string>{"10.244.1.0/24", "2001:db8:244:1::/64"});
  CHECK(rib.advertised_count(1) == 2);

  // The prefix we originate is also learned from a node and we stop originating it: the
  // learned route becomes best and the external router gets a withdrawal, not that route.
  rib.Apply(2, Announce("10.244.1.0/24", {}, "192.0.2.2"));
  out = rib.WithdrawLocal(P("10.244.1.0/24"));
  const OutgoingRoute* to_external = To(out, 1, "10.244.1.0/24");
  REQUIRE(to_external != nullptr);
  CHECK_FALSE(to_external->attributes);
  CHECK(rib.advertised_count(1) == 1);
  // Originated again: back to the external router.
  out = rib.Originate(P("10.244.1.0/24"));
  REQUIRE(To(out, 1, "10.244.1.0/24") != nullptr);
  CHECK(To(out, 1, "10.244.1.0/24")->attributes);
}

TEST_CASE("bgp export policy: route ages follow the owner's clock", "[bgp]") {
  Rib rib(kLocalAs, kLocalRouterId);
  rib.PeerUp(MakePeer(1, 65002, "192.0.2.2", 2));
  rib.set_clock(100);
  rib.Originate(P("10.244.1.0/24"));
  rib.Apply(1, Announce("203.0.113.0/24", {65002}, "192.0.2.2"));
  CHECK(rib.Since(kLocalPeer, P("10.244.1.0/24")) == 100u);
  CHECK(rib.Since(1, P("203.0.113.0/24")) == 100u);
  CHECK_FALSE(rib.Since(1, P("10.244.1.0/24")));
  CHECK_FALSE(rib.Since(1, P("198.51.100.0/24")));

  // The same route again keeps its time; changed attributes restart it.
  rib.set_clock(150);
  rib.Apply(1, Announce("203.0.113.0/24", {65002}, "192.0.2.2"));
  CHECK(rib.Since(1, P("203.0.113.0/24")) == 100u);
  rib.set_clock(160);
  rib.Apply(1, Announce("203.0.113.0/24", {65002, 65010}, "192.0.2.2"));
  CHECK(rib.Since(1, P("203.0.113.0/24")) == 160u);
  // Withdrawn and announced again: a new route.
  rib.Apply(1, Withdrawal("203.0.113.0/24"));
  CHECK_FALSE(rib.Since(1, P("203.0.113.0/24")));
  rib.set_clock(170);
  rib.Apply(1, Announce("203.0.113.0/24", {65002, 65010}, "192.0.2.2"));
  CHECK(rib.Since(1, P("203.0.113.0/24")) == 170u);
  CHECK(rib.Since(kLocalPeer, P("10.244.1.0/24")) == 100u);
}

}  // namespace
}  // namespace kr::bgp
