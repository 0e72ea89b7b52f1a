// The Loc-RIB change journal RoutedController follows (Rib::TrackLocRibChanges, which
// bgp::Speaker::TakeLocRibChanges collects): every change of a prefix's best route is
// recorded with the best route after it, and nothing is recorded with tracking off.
#include <catch2/catch.hpp>

#include "services/routed/bgp/rib.h"
#include "services/routed/bgp/rib_test_util.h"
#include "services/routed/bgp/speaker.h"

namespace kr::bgp {
namespace {

using namespace kr::bgp::testing;

// The journal folded as the speaker folds it: the last change of each prefix wins.
LocRibChanges Fold(const std::vector<LocRibChange>& changes) {
  LocRibChanges folded;
  for (const LocRibChange& c : changes) folded[c.prefix] = c.best;
  return folded;
}

TEST_CASE("routed loc-rib changes: off by default") {
  Rib rib(kLocalAs, kLocalRouterId);
  rib.PeerUp(MakePeer(1, 65002, "192.0.2.2", 0xc0000202));
  rib.Apply(1, Announce("198.51.100.0/24", {65002}, "192.0.2.2"));
  CHECK(rib.generation() > 0);
  CHECK(rib.TakeLocRibChanges().empty());
}

TEST_CASE("routed loc-rib changes: each best-route change, with the best route after it") {
  Rib rib(kLocalAs, kLocalRouterId);
  rib.TrackLocRibChanges(true);
  rib.PeerUp(MakePeer(1, 65002, "192.0.2.2", 0xc0000202));
  rib.PeerUp(MakePeer(2, 65003, "192.0.2.3", 0xc0000203));

  rib.Apply(1, Announce("198.51.100.0/24", {65002, 65010}, "192.0.2.2"));
  rib.Originate(P("203.0.113.0/24"));
  CHECK(Fold(rib.TakeLocRibChanges()) ==
        LocRibChanges{{P("198.51.100.0/24"), BestRoute{1, A("192.0.2.2")}},
                      {P("203.0.113.0/24"), BestRoute{kLocalPeer, IpAddress{}}}});
  CHECK(rib.TakeLocRibChanges().empty());  // taken

  // A shorter AS path from peer 2 wins; a worse one from peer 1 again changes nothing.
  rib.Apply(2, Announce("198.51.100.0/24", {65003}, "192.0.2.3"));
  CHECK(Fold(rib.TakeLocRibChanges()) ==
        LocRibChanges{{P("198.51.100.0/24"), BestRoute{2, A("192.0.2.3")}}});
  rib.Apply(1, Announce("198.51.100.0/24", {65002, 65010, 65011}, "192.0.2.2"));
  CHECK(rib.TakeLocRibChanges().empty());

  // The best peer withdraws: back to the other; the other too: gone.
  rib.Apply(2, Withdrawal("198.51.100.0/24"));
  CHECK(Fold(rib.TakeLocRibChanges()) ==
        LocRibChanges{{P("198.51.100.0/24"), BestRoute{1, A("192.0.2.2")}}});
  rib.PeerDown(1);
  CHECK(Fold(rib.TakeLocRibChanges()) == LocRibChanges{{P("198.51.100.0/24"), std::nullopt}});
}

TEST_CASE("routed loc-rib changes: a new next hop from the same peer is recorded") {
  Rib rib(kLocalAs, kLocalRouterId);
  rib.TrackLocRibChanges(true);
  rib.PeerUp(MakePeer(1, 65002, "192.0.2.2", 0xc0000202));
  rib.Apply(1, Announce("198.51.100.0/24", {65002}, "192.0.2.2"));
  rib.Apply(1, Announce("198.51.100.0/24", {65002}, "192.0.2.9"));
  const std::vector<LocRibChange> changes = rib.TakeLocRibChanges();
  REQUIRE(changes.size() == 2);
  CHECK(changes.back().best == BestRoute{1, A("192.0.2.9")});
}

}  // namespace
}  // namespace kr::bgp
