// Two of our speakers, one per namespace, both active (so their connections collide and
// RFC 4271 6.8 must leave exactly one session), with TCP MD5 on the listening and the
// connecting sockets, and a 3 s hold time that only keepalives keep alive.
#include <catch2/catch.hpp>

#include "test/privileged/bgp/interop_topology.h"

namespace kr::bgp::interop {
namespace {

using kr::test::NetNs;
using kr::test::WaitFor;
using namespace std::chrono_literals;

std::unique_ptr<Speaker> StartIn(const NetNs& ns, uint32_t local_as, const char* local,
                                 uint32_t peer_as, const char* remote,
                                 const std::string& password) {
  SpeakerConfig sc;
  sc.local_as = local_as;
  sc.router_id = IpAddress::Parse(local)->v4();
  sc.listen_address = IpAddress::Parse(local);
  sc.port = kInteropPort;
  sc.hold_time = 3;
  sc.connect_retry_seconds = 1;
  PeerConfig pc;
  pc.address = *IpAddress::Parse(remote);
  pc.peer_as = peer_as;
  pc.port = kInteropPort;
  pc.md5_password = password;
  sc.peers.push_back(pc);
  auto created = ns.Run([&] { return Speaker::Create(sc); });
  if (!created) FAIL("Speaker::Create: " << created.error().message);
  return std::move(*created);
}

TEST_CASE("bgp interop: two of our speakers, both active, MD5, routes both ways", "[bgp]") {
  Topology topo;
  auto a = StartIn(topo.us, kOurAs, kOurAddress, 65002, kPeerAddress, "md5-secret");
  auto b = StartIn(topo.peer, 65002, kPeerAddress, kOurAs, kOurAddress, "md5-secret");
  REQUIRE(WaitFor([&] { return IsEstablished(*a) && IsEstablished(*b); }, 30s));

  a->Originate(*IpPrefix::Parse(kOurPrefix));
  b->Originate(*IpPrefix::Parse(kPeerPrefix));
  REQUIRE(WaitFor([&] { return FindInLocRib(*b, kOurPrefix).has_value(); }, 10s));
  REQUIRE(WaitFor([&] { return FindInLocRib(*a, kPeerPrefix).has_value(); }, 10s));
  CHECK(FindInLocRib(*b, kOurPrefix)->attributes.as_path->ToString() == "65001");
  CHECK(FindInLocRib(*b, kOurPrefix)->next_hop.ToString() == kOurAddress);
  CHECK(FindInLocRib(*a, kPeerPrefix)->attributes.as_path->ToString() == "65002");

  // Three hold times: only keepalives every second keep both sessions up.
  CHECK_FALSE(WaitFor([&] { return !IsEstablished(*a) || !IsEstablished(*b); }, 9s));

  a->Withdraw(*IpPrefix::Parse(kOurPrefix));
  CHECK(WaitFor([&] { return !FindInLocRib(*b, kOurPrefix).has_value(); }, 10s));
  b.reset();  // Cease: a's session goes down and b's routes leave a's Loc-RIB
  CHECK(WaitFor([&] { return !FindInLocRib(*a, kPeerPrefix).has_value(); }, 10s));
  CHECK_FALSE(IsEstablished(*a));
}

TEST_CASE("bgp interop: two of our speakers with different MD5 passwords never establish",
          "[bgp]") {
  Topology topo;
  auto a = StartIn(topo.us, kOurAs, kOurAddress, 65002, kPeerAddress, "md5-secret");
  auto b = StartIn(topo.peer, 65002, kPeerAddress, kOurAs, kOurAddress, "other-secret");
  CHECK_FALSE(WaitFor([&] { return IsEstablished(*a) || IsEstablished(*b); }, 6s));
}

}  // namespace
}  // namespace kr::bgp::interop
