// Route reflection (RFC 4456) among four of our speakers in AS 65001, each in a namespace of
// its own: a reflector ("rr") with a veth to each of three clients. The clients peer only
// with the reflector, yet every client must learn the other two clients' prefixes, carrying
// ORIGINATOR_ID = the originating client and CLUSTER_LIST = the reflector's cluster id, and
// lose them again when they are withdrawn.
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "services/routed/bgp/speaker.h"
#include "test/privileged/bgp/daemon.h"
#include "test/support/netns.h"

namespace kr::bgp {
namespace {

using kr::test::NetNs;
using kr::test::VethPair;
using kr::test::WaitFor;
using namespace std::chrono_literals;

constexpr uint32_t kAs = 65001;
constexpr uint16_t kPort = 10179;
constexpr uint32_t kClusterId = 0x0a0a0a0a;  // 10.10.10.10, unlike any router id here

struct Client {
  const char* rr_side;  // the reflector's address on this client's link
  const char* address;
  const char* prefix;
};
const Client kClients[3] = {
    {"192.0.2.1", "192.0.2.2", "198.51.100.0/25"},
    {"192.0.2.5", "192.0.2.6", "198.51.100.128/25"},
    {"192.0.2.9", "192.0.2.10", "203.0.113.0/24"},
};

std::optional<RibRoute> Find(Speaker& speaker, const std::string& prefix) {
  for (const auto& r : speaker.LocRib()) {
    if (r.prefix.ToString() == prefix) return r;
  }
  return std::nullopt;
}

struct Topology {
  Topology() {
    for (int i = 0; i < 3; ++i) {
      clients.push_back(std::make_unique<NetNs>("client"));
      links.push_back(std::make_unique<VethPair>(rr, "c" + std::to_string(i), *clients[i], "eth0"));
      rr.AddAddress("c" + std::to_string(i), std::string(kClients[i].rr_side) + "/30");
      clients[i]->AddAddress("eth0", std::string(kClients[i].address) + "/30");
    }
  }
  NetNs rr{"rr"};
  std::vector<std::unique_ptr<NetNs>> clients;
  std::vector<std::unique_ptr<VethPair>> links;
};

std::unique_ptr<Speaker> Start(const NetNs& ns, SpeakerConfig config) {
  auto created = ns.Run([&] { return Speaker::Create(config); });
  if (!created) FAIL("Speaker::Create: " << created.error().message);
  return std::move(*created);
}

TEST_CASE("bgp rr: three clients learn each other's prefixes through our reflector", "[bgp][rr]") {
  Topology topo;

  SpeakerConfig rr;
  rr.local_as = kAs;
  rr.router_id = 0xc0000201;  // 192.0.2.1
  rr.cluster_id = kClusterId;
  rr.listen_address = IpAddress::Parse("0.0.0.0");
  rr.port = kPort;
  rr.hold_time = 9;
  for (const Client& c : kClients) {
    PeerConfig& pc = rr.peers.emplace_back();
    pc.address = *IpAddress::Parse(c.address);
    pc.peer_as = kAs;
    pc.passive = true;
    pc.route_reflector_client = true;
  }
  std::unique_ptr<Speaker> reflector = Start(topo.rr, rr);

  std::vector<std::unique_ptr<Speaker>> clients;
  for (int i = 0; i < 3; ++i) {
    SpeakerConfig sc;
    sc.local_as = kAs;
    sc.router_id = IpAddress::Parse(kClients[i].address)->v4();
    sc.hold_time = 9;
    sc.connect_retry_seconds = 1;
    sc.originate = {*IpPrefix::Parse(kClients[i].prefix)};
    PeerConfig& pc = sc.peers.emplace_back();
    pc.address = *IpAddress::Parse(kClients[i].rr_side);
    pc.peer_as = kAs;
    pc.port = kPort;
    clients.push_back(Start(*topo.clients[i], sc));
  }

  REQUIRE(WaitFor(
      [&] {
        for (const auto& n : reflector->Neighbors()) {
          if (n.state != SessionState::kEstablished) return false;
        }
        return true;
      },
      30s));

  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      if (i == j) continue;
      INFO("client " << i << " learning client " << j << "'s " << kClients[j].prefix);
      REQUIRE(WaitFor([&] { return Find(*clients[i], kClients[j].prefix).has_value(); }, 15s));
      const RibRoute route = *Find(*clients[i], kClients[j].prefix);
      REQUIRE(route.attributes.originator_id);
      CHECK(route.attributes.originator_id->ToString() == kClients[j].address);
      CHECK(route.attributes.cluster_list == std::vector<uint32_t>{kClusterId});
      CHECK(route.next_hop.ToString() == kClients[j].address);
      CHECK(route.attributes.local_pref == 100u);
      CHECK(route.attributes.as_path->ToString().empty());
    }
    // Its own prefix is the local route, never one reflected back.
    REQUIRE(Find(*clients[i], kClients[i].prefix));
    CHECK(Find(*clients[i], kClients[i].prefix)->from == kLocalPeer);
  }
  // The reflector has all three, learned straight from the clients.
  for (const Client& c : kClients) {
    auto route = Find(*reflector, c.prefix);
    REQUIRE(route);
    CHECK_FALSE(route->attributes.originator_id.has_value());
    CHECK(route->attributes.cluster_list.empty());
  }
  auto neighbors = reflector->Neighbors();
  for (const auto& n : neighbors) {
    CHECK(n.accepted_routes == 1);
    CHECK(n.advertised_routes == 2);
  }

  clients[0]->Withdraw(*IpPrefix::Parse(kClients[0].prefix));
  CHECK(WaitFor(
      [&] {
        return !Find(*clients[1], kClients[0].prefix) && !Find(*clients[2], kClients[0].prefix);
      },
      15s));
}

}  // namespace
}  // namespace kr::bgp
