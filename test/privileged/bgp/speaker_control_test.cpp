// The Speaker's run-time interface between two of our speakers in namespaces "us" and
// "peer": neighbours added and removed while running, the neighbour status a daemon shows,
// the Loc-RIB change callback, and connection collisions when both sides connect at once.
#include <atomic>
#include <catch2/catch.hpp>

#include "test/privileged/bgp/interop_topology.h"

namespace kr::bgp::interop {
namespace {

using kr::test::WaitFor;
using namespace std::chrono_literals;

constexpr uint32_t kPeerAs = 65002;

SpeakerConfig Config(uint32_t local_as, const char* local) {
  SpeakerConfig sc;
  sc.local_as = local_as;
  sc.router_id = IpAddress::Parse(local)->v4();
  sc.listen_address = IpAddress::Parse(local);
  sc.port = kInteropPort;
  sc.hold_time = 9;
  sc.connect_retry_seconds = 1;
  return sc;
}

PeerConfig PeerAt(const char* address, uint32_t asn) {
  PeerConfig pc;
  pc.address = *IpAddress::Parse(address);
  pc.peer_as = asn;
  pc.port = kInteropPort;
  return pc;
}

std::unique_ptr<Speaker> Start(const kr::test::NetNs& ns, const SpeakerConfig& sc) {
  auto created = ns.Run([&] { return Speaker::Create(sc); });
  if (!created) FAIL("Speaker::Create: " << created.error().message);
  return std::move(*created);
}

// Established TCP connections on the BGP port in a namespace, per `ss`.
int BgpConnections(const kr::test::NetNs& ns) {
  const std::string out =
      ns.Exec({"ss", "-Htn", "state", "established", "( sport = :10179 or dport = :10179 )"})
          .output;
  int lines = 0;
  for (char c : out) lines += c == '\n' ? 1 : 0;
  return lines;
}

TEST_CASE("bgp speaker: peers added and removed at run time, status and Loc-RIB callback",
          "[bgp]") {
  Topology topo;
  std::atomic<int> changes{0};
  std::atomic<uint64_t> last_generation{0};
  SpeakerConfig ours = Config(kOurAs, kOurAddress);
  ours.on_loc_rib_change = [&](uint64_t generation) {
    ++changes;
    last_generation = generation;
  };
  auto a = Start(topo.us, ours);
  SpeakerConfig theirs = Config(kPeerAs, kPeerAddress);
  theirs.peers.push_back(PeerAt(kOurAddress, kOurAs));
  theirs.originate = {*IpPrefix::Parse(kPeerPrefix)};
  auto b = Start(topo.peer, theirs);
  CHECK(a->Neighbors().empty());
  // b's attempts are refused while a does not know it.
  CHECK_FALSE(WaitFor([&] { return IsEstablished(*b); }, 2s));

  REQUIRE(a->AddPeer(PeerAt(kPeerAddress, kPeerAs)));
  CHECK_FALSE(a->AddPeer(PeerAt(kPeerAddress, kPeerAs)));  // already there
  REQUIRE(WaitFor([&] { return IsEstablished(*a) && IsEstablished(*b); }, 30s));
  REQUIRE(WaitFor([&] { return FindInLocRib(*a, kPeerPrefix).has_value(); }, 10s));
  CHECK(changes.load() >= 1);
  CHECK(last_generation.load() == a->LocRibGeneration());

  auto n = a->Neighbors();
  REQUIRE(n.size() == 1);
  CHECK(n[0].received_routes == 1);
  CHECK(n[0].accepted_routes == 1);
  REQUIRE(n[0].established_since);
  CHECK(*n[0].established_since <= std::chrono::system_clock::now());
  CHECK(n[0].messages_received >= 3);  // OPEN, KEEPALIVE, UPDATE
  CHECK(n[0].messages_sent >= 2);
  CHECK(n[0].hold_time == 9);
  for (const char* cap : {"ipv4-unicast", "route-refresh", "4-octet-as", "graceful-restart"}) {
    INFO("capability " << cap);
    CHECK(std::find(n[0].capabilities.begin(), n[0].capabilities.end(), cap) !=
          n[0].capabilities.end());
  }

  const uint64_t before = a->LocRibGeneration();
  const int changes_before = changes.load();
  REQUIRE(a->RemovePeer(*IpAddress::Parse(kPeerAddress)));
  CHECK_FALSE(a->RemovePeer(*IpAddress::Parse(kPeerAddress)));
  CHECK(a->Neighbors().empty());
  CHECK_FALSE(FindInLocRib(*a, kPeerPrefix).has_value());
  CHECK(a->LocRibGeneration() > before);
  CHECK(WaitFor([&] { return changes.load() > changes_before; }, 5s));
  // The Cease reached b: it dropped the session (and does not get back in).
  CHECK(WaitFor([&] { return !IsEstablished(*b); }, 10s));
  CHECK_FALSE(WaitFor([&] { return IsEstablished(*b); }, 2s));

  // And back again: a fresh session, b's route returns.
  REQUIRE(a->AddPeer(PeerAt(kPeerAddress, kPeerAs)));
  CHECK(WaitFor([&] { return FindInLocRib(*a, kPeerPrefix).has_value(); }, 30s));
}

TEST_CASE("bgp speaker: when both sides connect at once exactly one session survives", "[bgp]") {
  Topology topo;
  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    SpeakerConfig ours = Config(kOurAs, kOurAddress);
    ours.peers.push_back(PeerAt(kPeerAddress, kPeerAs));
    SpeakerConfig theirs = Config(kPeerAs, kPeerAddress);
    theirs.peers.push_back(PeerAt(kOurAddress, kOurAs));
    // Started back to back, both connect at once.
    auto a = Start(topo.us, ours);
    auto b = Start(topo.peer, theirs);
    REQUIRE(WaitFor([&] { return IsEstablished(*a) && IsEstablished(*b); }, 30s));
    CHECK(WaitFor([&] { return BgpConnections(topo.us) == 1; }, 5s));
    // And it stays that way (no second session, no flap) over several keepalive intervals.
    CHECK_FALSE(WaitFor(
        [&] { return !IsEstablished(*a) || !IsEstablished(*b) || BgpConnections(topo.us) != 1; },
        4s));
    b.reset();
    a.reset();
  }
}

}  // namespace
}  // namespace kr::bgp::interop
