// SpeakerBgpControl over a real bgp::Speaker on loopback (unit tier: no root, no traffic
// beyond 127.0.0.0/8): a changed peer set is applied with AddPeer/RemovePeer on the same
// speaker, a changed identity recreates it, and originated prefixes survive the recreation.
#include "services/routed/speaker_bgp_control.h"

#include <catch2/catch.hpp>
#include <set>

#include "services/routed/bgp_plan.h"

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

TEST_CASE("routed speaker control: external peers get only our routes, nodes everything") {
  BgpPeerSpec node = Peer("192.0.2.12", 64512);
  node.cluster_node = true;
  BgpPeerSpec router = Peer("192.0.2.254", 65100);
  BgpPlan plan = Plan({node, router});
  CHECK_FALSE(ToPeerConfig(node, plan).export_local_only);
  CHECK(ToPeerConfig(router, plan).export_local_only);
  // Single stack: the session's own family only.
  CHECK(ToPeerConfig(router, plan).families == std::vector<bgp::AfiSafi>{bgp::kIpv4Unicast});
  CHECK_FALSE(ToPeerConfig(router, plan).other_family_next_hop);
}

TEST_CASE("routed speaker control: a dual-stack node's sessions carry both families") {
  model::Node self;
  self.name = "a";
  self.addresses = {{"Hostname", "a"},
                    {"ExternalIP", "2001:db8:ffff::1"},
                    {"InternalIP", "192.0.2.11"},
                    {"InternalIP", "2001:db8::11"}};
  self.pod_cidrs = {"10.244.1.0/24", "2001:db8:244:1::/64"};
  model::Node other = self;
  other.name = "b";
  other.addresses = {{"InternalIP", "192.0.2.12"}, {"InternalIP", "2001:db8::12"}};

  const auto v4 = *bgp::IpAddress::Parse("192.0.2.11");
  // The InternalIP of the other family first, the ExternalIP only without one.
  CHECK(OtherFamilyAddress(self, v4) == bgp::IpAddress::Parse("2001:db8::11"));
  model::Node external_only = self;
  external_only.addresses = {{"InternalIP", "192.0.2.11"}, {"ExternalIP", "2001:db8:ffff::1"}};
  CHECK(OtherFamilyAddress(external_only, v4) == bgp::IpAddress::Parse("2001:db8:ffff::1"));
  model::Node single = self;
  single.addresses = {{"InternalIP", "192.0.2.11"}};
  CHECK_FALSE(OtherFamilyAddress(single, v4));
  CHECK(OtherFamilyAddress(self, *bgp::IpAddress::Parse("2001:db8::11")) == v4);

  RoutedOptions options;
  options.node_name = "a";
  std::map<std::string, NodeView> nodes = {{"a", ParseNode(self, std::nullopt)},
                                           {"b", ParseNode(other, std::nullopt)}};
  auto plan = PlanBgp(options, nodes["a"], nodes, OtherFamilyAddress(self, v4));
  REQUIRE(plan);
  CHECK(plan->local_address == v4);
  CHECK(plan->other_family_address == bgp::IpAddress::Parse("2001:db8::11"));
  REQUIRE(plan->peers.size() == 1);
  const bgp::PeerConfig config = ToPeerConfig(plan->peers[0], *plan);
  CHECK(config.address == bgp::IpAddress::Parse("192.0.2.12"));
  CHECK(config.families == std::vector<bgp::AfiSafi>{bgp::kIpv4Unicast, bgp::kIpv6Unicast});
  CHECK(config.other_family_next_hop == bgp::IpAddress::Parse("2001:db8::11"));
  CHECK_FALSE(config.export_local_only);

  // An address of the same family is no other family.
  auto same = PlanBgp(options, nodes["a"], nodes, bgp::IpAddress::Parse("192.0.2.99"));
  REQUIRE(same);
  CHECK_FALSE(same->other_family_address);

  // A node that gains an IPv6 address: a new speaker (its sessions must reopen with the
  // family), still originating our prefixes.
  SpeakerBgpControl bgp({.port = 0, .hold_time = 9, .connect_retry_seconds = 60});
  BgpPlan loopback = Plan({Peer("127.0.0.2", 64512)});
  REQUIRE(bgp.Configure(loopback).ok());
  bgp.SetOriginated({*bgp::IpPrefix::Parse("2001:db8:244:1::/64")});
  loopback.other_family_address = bgp::IpAddress::Parse("::1");
  REQUIRE(bgp.Configure(loopback).ok());
  CHECK(bgp.speakers_created() == 2);
  REQUIRE(bgp.LocRib().size() == 1);
  CHECK(bgp.LocRib()[0].prefix.ToString() == "2001:db8:244:1::/64");
  bgp.Stop();
}

}  // namespace
}  // namespace kr::routed
