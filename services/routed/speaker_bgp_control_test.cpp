// SpeakerBgpControl over a real bgp::Speaker on loopback (unit tier: no root, no traffic
// beyond 127.0.0.0/8): a changed peer set is applied with AddPeer/RemovePeer on the same
// speaker, a changed identity recreates it, and originated prefixes survive the recreation.
#include "services/routed/speaker_bgp_control.h"

#include <catch2/catch.hpp>
#include <set>

namespace kr::routed {
namespace {

BgpPeerSpec Peer(const std::string& address, uint32_t asn) {
  BgpPeerSpec p;
  p.address = *bgp::IpAddress::Parse(address);
  p.asn = asn;
  p.port = 1;  // nothing listens there: sessions stay down, which is all this test needs
  p.origin = "test";
  return p;
}

BgpPlan Plan(std::vector<BgpPeerSpec> peers, uint32_t asn = 64512) {
  BgpPlan plan;
  plan.local_asn = asn;
  plan.local_address = *bgp::IpAddress::Parse("127.0.0.1");
  plan.router_id = plan.local_address.v4();
  plan.peers = std::move(peers);
  return plan;
}

std::set<std::string> NeighborAddresses(SpeakerBgpControl& bgp) {
  std::set<std::string> out;
  for (const auto& n : bgp.Neighbors()) out.insert(n.address.ToString());
  return out;
}

TEST_CASE("routed speaker control: peers change in place, identity changes recreate") {
  SpeakerBgpControl bgp({.port = 0, .hold_time = 9, .connect_retry_seconds = 60});
  CHECK(bgp.Neighbors().empty());
  CHECK(bgp.SetOriginated({*bgp::IpPrefix::Parse("198.18.1.0/24")}) == 0);  // recorded only

  REQUIRE(bgp.Configure(Plan({Peer("127.0.0.2", 64512), Peer("127.0.0.3", 64512)})).ok());
  CHECK(bgp.speakers_created() == 1);
  CHECK(NeighborAddresses(bgp) == std::set<std::string>{"127.0.0.2", "127.0.0.3"});
  CHECK(bgp.Current().speaker != nullptr);
  CHECK(bgp.Current().local_as == 64512);
  auto originated = [&] {
    std::set<std::string> out;
    for (const auto& r : bgp.LocRib()) {
      if (r.from == bgp::kLocalPeer) out.insert(r.prefix.ToString());
    }
    return out;
  };
  CHECK(originated() == std::set<std::string>{"198.18.1.0/24"});

  // One peer gone, one new, one changed (ASN): same speaker.
  REQUIRE(bgp.Configure(Plan({Peer("127.0.0.3", 65000), Peer("127.0.0.4", 64512)})).ok());
  CHECK(bgp.speakers_created() == 1);
  CHECK(NeighborAddresses(bgp) == std::set<std::string>{"127.0.0.3", "127.0.0.4"});
  for (const auto& n : bgp.Neighbors()) {
    if (n.address.ToString() == "127.0.0.3") CHECK(n.peer_as == 65000);
  }
  const uint64_t generation = bgp.LocRibGeneration();

  // Unchanged plan: nothing to do.
  REQUIRE(bgp.Configure(Plan({Peer("127.0.0.3", 65000), Peer("127.0.0.4", 64512)})).ok());
  CHECK(bgp.speakers_created() == 1);

  // Our ASN changes: a new speaker, still originating our prefix.
  REQUIRE(bgp.Configure(Plan({Peer("127.0.0.3", 65000)}, 65010)).ok());
  CHECK(bgp.speakers_created() == 2);
  CHECK(bgp.LocRibGeneration() != generation);
  CHECK(NeighborAddresses(bgp) == std::set<std::string>{"127.0.0.3"});
  CHECK(originated() == std::set<std::string>{"198.18.1.0/24"});

  CHECK(bgp.SetOriginated({}) == 1);
  CHECK(originated().empty());
  bgp.Stop();
  CHECK(bgp.Current().speaker == nullptr);
  CHECK(bgp.Neighbors().empty());
}

}  // namespace
}  // namespace kr::routed
