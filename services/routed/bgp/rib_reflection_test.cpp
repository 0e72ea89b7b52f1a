// RFC 4456 route reflection in the RIB: who gets reflected routes, ORIGINATOR_ID and
// CLUSTER_LIST on the way out, loop prevention on the way in, and the tie-breaker.
#include <catch2/catch.hpp>

#include "services/routed/bgp/rib.h"
#include "services/routed/bgp/rib_test_util.h"

namespace kr::bgp {
namespace {

using namespace testing;

constexpr uint32_t kClusterId = 0x0a000001;  // 10.0.0.1

RibPeer Client(PeerId id, const char* address, uint32_t router_id) {
  RibPeer p = MakePeer(id, kLocalAs, address, router_id);
  p.route_reflector_client = true;
  return p;
}

// Peers 1 and 2 are clients, 3 and 4 iBGP non-clients, 5 eBGP.
Rib Reflector() {
  Rib rib(kLocalAs, kLocalRouterId, kClusterId);
  rib.PeerUp(Client(1, "192.0.2.11", 11));
  rib.PeerUp(Client(2, "192.0.2.12", 12));
  rib.PeerUp(MakePeer(3, kLocalAs, "192.0.2.13", 13));
  rib.PeerUp(MakePeer(4, kLocalAs, "192.0.2.14", 14));
  rib.PeerUp(MakePeer(5, 65002, "192.0.2.15", 15));
  return rib;
}

TEST_CASE("bgp rr: a client's route is reflected to clients and non-clients", "[bgp]") {
  Rib rib = Reflector();
  auto out = rib.Apply(1, Announce("203.0.113.0/24", {}, "192.0.2.11"));
  CHECK(To(out, 1) == nullptr);  // never back to where it came from
  for (PeerId to : {2u, 3u, 4u}) {
    const OutgoingRoute* r = To(out, to);
    REQUIRE(r != nullptr);
    REQUIRE(r->attributes);
    CHECK(r->attributes->originator_id == IpAddress::V4(11));
    CHECK(r->attributes->cluster_list == std::vector<uint32_t>{kClusterId});
    CHECK(r->next_hop == A("192.0.2.11"));  // reflection keeps the next hop
    CHECK(r->attributes->local_pref == 100u);
  }
  const OutgoingRoute* ebgp = To(out, 5);
  REQUIRE(ebgp != nullptr);
  CHECK_FALSE(ebgp->attributes->originator_id.has_value());
  CHECK(ebgp->attributes->cluster_list.empty());
  CHECK(rib.advertised_count(1) == 0);
  CHECK(rib.advertised_count(2) == 1);
  CHECK(rib.advertised_count(5) == 1);
  CHECK(rib.received_count(1) == 1);
}

TEST_CASE("bgp rr: a non-client's route is reflected to clients only", "[bgp]") {
  Rib rib = Reflector();
  auto out = rib.Apply(3, Announce("203.0.113.0/24", {}, "192.0.2.13"));
  REQUIRE(To(out, 1) != nullptr);
  REQUIRE(To(out, 2) != nullptr);
  CHECK(To(out, 1)->attributes->originator_id == IpAddress::V4(13));
  CHECK(To(out, 4) == nullptr);
  CHECK(To(out, 5) != nullptr);
}

TEST_CASE("bgp rr: ORIGINATOR_ID is kept and CLUSTER_LIST grows at a second reflector", "[bgp]") {
  Rib rib = Reflector();
  UpdateMessage u = Announce("203.0.113.0/24", {}, "192.0.2.99");
  u.attributes.originator_id = IpAddress::V4(99);
  u.attributes.cluster_list = {0x0a000002};
  auto out = rib.Apply(3, u);
  REQUIRE(To(out, 1) != nullptr);
  CHECK(To(out, 1)->attributes->originator_id == IpAddress::V4(99));
  CHECK(To(out, 1)->attributes->cluster_list == std::vector<uint32_t>{kClusterId, 0x0a000002});
}

TEST_CASE("bgp rr: a route is not reflected to the client that originated it", "[bgp]") {
  Rib rib = Reflector();
  UpdateMessage u = Announce("203.0.113.0/24", {}, "192.0.2.12");
  u.attributes.originator_id = IpAddress::V4(12);  // client 2, reaching us through client 1
  auto out = rib.Apply(1, u);
  CHECK(To(out, 2) == nullptr);
  CHECK(To(out, 3) != nullptr);
}

TEST_CASE("bgp rr: our cluster id in CLUSTER_LIST or our router id as ORIGINATOR_ID is a loop",
          "[bgp]") {
  Rib rib = Reflector();
  UpdateMessage looped = Announce("203.0.113.0/24", {}, "192.0.2.13");
  looped.attributes.cluster_list = {0x0a000009, kClusterId};
  CHECK(rib.Apply(3, looped).empty());
  CHECK(rib.Best(P("203.0.113.0/24")) == nullptr);

  UpdateMessage ours = Announce("198.51.100.0/24", {}, "192.0.2.13");
  ours.attributes.originator_id = IpAddress::V4(kLocalRouterId);
  CHECK(rib.Apply(3, ours).empty());
  CHECK(rib.Best(P("198.51.100.0/24")) == nullptr);
}

TEST_CASE("bgp rr: without clients iBGP routes still stay away from iBGP peers", "[bgp]") {
  Rib rib(kLocalAs, kLocalRouterId);
  rib.PeerUp(MakePeer(1, kLocalAs, "192.0.2.11", 11));
  rib.PeerUp(MakePeer(2, kLocalAs, "192.0.2.12", 12));
  auto out = rib.Apply(1, Announce("203.0.113.0/24", {}, "192.0.2.11"));
  CHECK(To(out, 2) == nullptr);
}

TEST_CASE("bgp rr: the shorter CLUSTER_LIST wins before the peer address", "[bgp]") {
  Rib rib = Reflector();
  const IpPrefix prefix = P("203.0.113.0/24");
  RibRoute a{3, prefix, {}, A("192.0.2.13")};
  a.attributes.origin = Origin::kIgp;
  a.attributes.as_path = AsPath{};
  a.attributes.originator_id = IpAddress::V4(50);
  RibRoute b = a;
  b.from = 4;
  a.attributes.cluster_list = {1, 2};
  b.attributes.cluster_list = {1};
  CHECK(rib.Better(b, a));
  CHECK_FALSE(rib.Better(a, b));
}

}  // namespace
}  // namespace kr::bgp
