// routed's BGP plan against a real external router: two node namespaces, each running our
// speaker exactly as kr-routed configures it (PlanBgp from bus Nodes, SpeakerBgpControl),
// and gobgpd as the operator's router from --peer-router-ips, all on one bridge. Both nodes
// are dual-stack: an IPv4 and an IPv6 pod CIDR each, sessions over IPv4.
//   - export policy: gobgpd learns each node's pod CIDRs from that node only (one path, next
//     hop the node, AS path just the cluster ASN), although each node knows the other's;
//   - dual-stack: the IPv6 pod CIDRs reach gobgpd over the IPv4 sessions with the node's IPv6
//     address as next hop, and an IPv6 route of gobgpd's reaches the nodes' Loc-RIBs;
//   - kr-bgp (the real binary) shows the router's neighbour with its router id and what the
//     node sends it (adj-out: only the node's own prefixes).
// Root only (skipped otherwise); addresses from documentation ranges inside the namespaces.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "services/routed/bgp/control/control_server.h"
#include "services/routed/bgp_control_socket.h"
#include "services/routed/bgp_plan.h"
#include "services/routed/node_view.h"
#include "services/routed/speaker_bgp_control.h"
#include "test/privileged/bgp/daemon.h"
#include "test/support/netns.h"

namespace kr::routed {
namespace {

using test::Daemon;
using test::NetNs;
using test::TempDir;
using test::VethPair;
using test::WaitFor;
using namespace std::chrono_literals;

constexpr uint32_t kClusterAsn = 64512;
constexpr uint32_t kRouterAsn = 65100;
const std::string kRouterIp = "192.0.2.254";
const std::string kRouterIp6 = "2001:db8::254";

struct TestNode {
  std::string name, ip, ip6, pod_cidr, pod_cidr6;
  std::string marker;  // originated once the node knows the other's routes (see the test)
};
const std::vector<TestNode> kNodes = {
    {"node-a", "192.0.2.11", "2001:db8::11", "10.244.1.0/24", "2001:db8:244:1::/64",
     "198.51.100.0/25"},
    {"node-b", "192.0.2.12", "2001:db8::12", "10.244.2.0/24", "2001:db8:244:2::/64",
     "198.51.100.128/25"},
};

std::string GobgpConfig() {
  std::string c = "[global.config]\n  as = " + std::to_string(kRouterAsn) + "\n  router-id = \"" +
                  kRouterIp + "\"\n";
  for (const TestNode& n : kNodes) {
    c += "[[neighbors]]\n  [neighbors.config]\n    neighbor-address = \"" + n.ip +
         "\"\n    peer-as = " + std::to_string(kClusterAsn) +
         "\n  [neighbors.timers.config]\n    connect-retry = 1\n";
    for (const char* family : {"ipv4-unicast", "ipv6-unicast"}) {
      c += "  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n      afi-safi-name = \"" +
           std::string(family) + "\"\n";
    }
  }
  return c;
}

model::Node BusNode(const TestNode& n) {
  model::Node node;
  node.name = n.name;
  node.addresses = {{"InternalIP", n.ip}, {"InternalIP", n.ip6}, {"Hostname", n.name}};
  node.pod_cidrs = {n.pod_cidr, n.pod_cidr6};
  return node;
}

// The plan kr-routed makes on node `self` (--peer-router-ips/-asns: gobgpd).
BgpPlan PlanFor(size_t self) {
  RoutedOptions options;
  options.node_name = kNodes[self].name;
  options.cluster_asn = kClusterAsn;
  BgpPeerSpec router;
  router.address = *bgp::IpAddress::Parse(kRouterIp);
  router.asn = kRouterAsn;
  router.origin = "--peer-router-ips";
  options.global_peers = {router};
  std::map<std::string, NodeView> nodes;
  for (const TestNode& n : kNodes) nodes[n.name] = ParseNode(BusNode(n), std::nullopt);
  const NodeView& me = nodes[kNodes[self].name];
  auto plan = PlanBgp(options, me, nodes, OtherFamilyAddress(BusNode(kNodes[self]), *me.ip));
  if (!plan) throw std::runtime_error("PlanBgp: " + plan.error().message);
  return *plan;
}

// Lines of `gobgp global rib` output that hold `prefix` as their network.
std::vector<std::string> RibLines(const std::string& rib, const std::string& prefix) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < rib.size()) {
    size_t end = rib.find('\n', start);
    if (end == std::string::npos) end = rib.size();
    const std::string line = rib.substr(start, end - start);
    if (line.find(" " + prefix + " ") != std::string::npos) lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

struct Topology {
  Topology() {
    bridge.ExecOrThrow({"ip", "link", "add", "br0", "type", "bridge"});
    bridge.LinkUp("br0");
    auto attach = [&](const NetNs& ns, const std::string& port, const std::string& ip,
                      const std::string& ip6) {
      links.push_back(std::make_unique<VethPair>(ns, "eth0", bridge, port));
      bridge.ExecOrThrow({"ip", "link", "set", port, "master", "br0"});
      ns.AddAddress("eth0", ip + "/24");
      ns.AddAddress("eth0", ip6 + "/64");
    };
    for (size_t i = 0; i < kNodes.size(); ++i) {
      nodes.push_back(std::make_unique<NetNs>("node" + std::to_string(i + 1)));
      attach(*nodes[i], "veth" + std::to_string(i + 1), kNodes[i].ip, kNodes[i].ip6);
    }
    attach(router, "veth-r", kRouterIp, kRouterIp6);
    gobgpd = std::make_unique<Daemon>(
        router,
        std::vector<std::string>{"gobgpd", "-f", dir.Write("gobgpd.toml", GobgpConfig()), "-p",
                                 "--pprof-disable", "--api-hosts", "127.0.0.1:50051"},
        dir.path() + "/gobgpd.log");
    for (size_t i = 0; i < kNodes.size(); ++i) {
      speakers.push_back(std::make_unique<SpeakerBgpControl>(
          SpeakerSettings{.port = 179, .hold_time = 9, .connect_retry_seconds = 1}));
      SpeakerBgpControl& bgp = *speakers.back();
      const BgpPlan plan = PlanFor(i);
      // The speaker's sockets live in the namespace of the thread that creates it.
      Status configured = nodes[i]->Run([&] { return bgp.Configure(plan); });
      if (!configured) throw std::runtime_error("Configure: " + configured.error().message);
      bgp.SetOriginated(
          {*bgp::IpPrefix::Parse(kNodes[i].pod_cidr), *bgp::IpPrefix::Parse(kNodes[i].pod_cidr6)});
    }
  }
  ~Topology() {
    server.reset();
    for (auto& s : speakers) s->Stop();  // Cease to every peer, threads joined
    gobgpd.reset();
  }

  std::string Gobgp(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {"gobgp", "-u", "127.0.0.1", "-p", "50051"};
    argv.insert(argv.end(), args.begin(), args.end());
    return router.Exec(argv).output;
  }
  std::string Log() const { return test::RunCommand({"cat", dir.path() + "/gobgpd.log"}).output; }
  bool AllEstablished() {
    for (auto& s : speakers) {
      auto neighbors = s->Neighbors();
      if (neighbors.size() != 2) return false;
      for (const auto& n : neighbors) {
        if (n.state != bgp::SessionState::kEstablished) return false;
      }
    }
    return true;
  }
  const bgp::RibRoute* Find(size_t node, const std::string& prefix) {
    loc_rib = speakers[node]->LocRib();
    for (const auto& r : loc_rib) {
      if (r.prefix.ToString() == prefix) return &r;
    }
    return nullptr;
  }

  NetNs bridge{"br"};
  NetNs router{"gobgp"};
  std::vector<std::unique_ptr<NetNs>> nodes;
  std::vector<std::unique_ptr<VethPair>> links;
  TempDir dir;
  std::unique_ptr<Daemon> gobgpd;
  std::vector<std::unique_ptr<SpeakerBgpControl>> speakers;
  std::vector<bgp::RibRoute> loc_rib;
  std::unique_ptr<CurrentSpeakerControlSource> source;
  std::unique_ptr<bgp::control::ControlServer> server;
};

struct KrBgpRun {
  int status = -1;
  std::string out;
};

KrBgpRun KrBgp(const std::string& socket, const std::vector<std::string>& args) {
  const char* binary = std::getenv("KR_BGP_BINARY");
  REQUIRE(binary != nullptr);
  std::vector<std::string> argv = {binary, "--socket", socket};
  argv.insert(argv.end(), args.begin(), args.end());
  test::CommandResult r = test::RunCommand(argv);
  return KrBgpRun{r.exit_status, r.output};
}

TEST_CASE("routed bgp: external router gets each node's own pod CIDRs only, both families",
          "[routed][bgp][gobgp]") {
  Topology t;
  INFO("gobgpd log:\n" << t.Log());
  REQUIRE(WaitFor([&] { return t.AllEstablished(); }, 40s));

  // The nodes know each other's pod CIDRs (iBGP), both families, the IPv6 ones via the
  // node's IPv6 address.
  REQUIRE(WaitFor([&] { return t.Find(0, kNodes[1].pod_cidr6) && t.Find(1, kNodes[0].pod_cidr6); },
                  20s));
  REQUIRE(
      WaitFor([&] { return t.Find(0, kNodes[1].pod_cidr) && t.Find(1, kNodes[0].pod_cidr); }, 20s));
  CHECK(t.Find(0, kNodes[1].pod_cidr6)->next_hop.ToString() == kNodes[1].ip6);
  CHECK(t.Find(1, kNodes[0].pod_cidr)->next_hop.ToString() == kNodes[0].ip);

  // Each node now originates a marker. A node sends UPDATEs in order on its session, so once
  // gobgpd has a node's marker it has everything that node would pass on of the other's.
  for (size_t i = 0; i < kNodes.size(); ++i) {
    t.speakers[i]->SetOriginated({*bgp::IpPrefix::Parse(kNodes[i].pod_cidr),
                                  *bgp::IpPrefix::Parse(kNodes[i].pod_cidr6),
                                  *bgp::IpPrefix::Parse(kNodes[i].marker)});
  }
  std::string rib4, rib6;
  REQUIRE(WaitFor(
      [&] {
        rib4 = t.Gobgp({"global", "rib", "-a", "ipv4"});
        for (const TestNode& n : kNodes) {
          if (RibLines(rib4, n.marker).empty()) return false;
        }
        return true;
      },
      20s));
  // IPv6 goes in its own UPDATEs, sent before the marker by each node.
  rib6 = t.Gobgp({"global", "rib", "-a", "ipv6"});
  INFO("gobgp global rib -a ipv4:\n" << rib4 << "\ngobgp global rib -a ipv6:\n" << rib6);
  for (const TestNode& n : kNodes) {
    const auto v4 = RibLines(rib4, n.pod_cidr);
    REQUIRE(v4.size() == 1);
    CHECK(v4[0].find(" " + n.ip + " ") != std::string::npos);
    CHECK(v4[0].find(" " + std::to_string(kClusterAsn) + " ") != std::string::npos);
    CHECK(v4[0].find(std::to_string(kClusterAsn) + " " + std::to_string(kClusterAsn)) ==
          std::string::npos);
    const auto v6 = RibLines(rib6, n.pod_cidr6);
    REQUIRE(v6.size() == 1);
    CHECK(v6[0].find(" " + n.ip6 + " ") != std::string::npos);
  }
  // And per neighbour: each node sent exactly its own prefixes.
  for (size_t i = 0; i < kNodes.size(); ++i) {
    const TestNode& other = kNodes[1 - i];
    const std::string adj_in4 = t.Gobgp({"neighbor", kNodes[i].ip, "adj-in", "-a", "ipv4"});
    const std::string adj_in6 = t.Gobgp({"neighbor", kNodes[i].ip, "adj-in", "-a", "ipv6"});
    INFO("gobgp neighbor " << kNodes[i].ip << " adj-in:\n" << adj_in4 << adj_in6);
    CHECK(RibLines(adj_in4, kNodes[i].pod_cidr).size() == 1);
    CHECK(RibLines(adj_in4, other.pod_cidr).empty());
    CHECK(RibLines(adj_in4, other.marker).empty());
    CHECK(RibLines(adj_in6, kNodes[i].pod_cidr6).size() == 1);
    CHECK(RibLines(adj_in6, other.pod_cidr6).empty());
  }

  // gobgpd's IPv6 route reaches both Loc-RIBs with its IPv6 next hop; its IPv4 route too.
  t.Gobgp({"global", "rib", "add", "2001:db8:ffff::/48", "nexthop", kRouterIp6, "-a", "ipv6"});
  t.Gobgp({"global", "rib", "add", "203.0.113.0/24", "-a", "ipv4"});
  for (size_t i = 0; i < kNodes.size(); ++i) {
    REQUIRE(WaitFor([&] { return t.Find(i, "2001:db8:ffff::/48") != nullptr; }, 15s));
    const bgp::RibRoute* route = t.Find(i, "2001:db8:ffff::/48");
    CHECK(route->next_hop.ToString() == kRouterIp6);
    CHECK(route->attributes.as_path->ToString() == std::to_string(kRouterAsn));
    CHECK(WaitFor([&] { return t.Find(i, "203.0.113.0/24") != nullptr; }, 15s));
  }

  // kr-bgp on node A: the router's neighbour, and what node A sends it.
  t.source = std::make_unique<CurrentSpeakerControlSource>(*t.speakers[0]);
  auto server = bgp::control::ControlServer::Start(*t.source, t.dir.path() + "/bgp.sock");
  REQUIRE(server);
  t.server = std::move(*server);
  const std::string socket = t.server->path();
  KrBgpRun detail = KrBgp(socket, {"neighbor", kRouterIp});
  INFO("kr-bgp neighbor " << kRouterIp << ":\n" << detail.out);
  CHECK(detail.status == 0);
  CHECK(detail.out.find("remote router ID " + kRouterIp + "\n") != std::string::npos);
  CHECK(detail.out.find("ipv6-unicast") != std::string::npos);
  KrBgpRun out = KrBgp(socket, {"-j", "neighbor", kRouterIp, "adj-out"});
  INFO("kr-bgp neighbor " << kRouterIp << " adj-out:\n" << out.out);
  REQUIRE(out.status == 0);
  std::vector<std::string> sent;
  for (const auto& r : nlohmann::json::parse(out.out)) {
    sent.push_back(r["prefix"].get<std::string>() + " via " + r["next_hop"].get<std::string>());
  }
  CHECK(sent == std::vector<std::string>{kNodes[0].pod_cidr + " via " + kNodes[0].ip,
                                         kNodes[0].marker + " via " + kNodes[0].ip,
                                         kNodes[0].pod_cidr6 + " via " + kNodes[0].ip6});
  // To the other node, node A passes on the router's routes (iBGP unchanged).
  KrBgpRun to_node = KrBgp(socket, {"-j", "neighbor", kNodes[1].ip, "adj-out", "-a", "ipv6"});
  REQUIRE(to_node.status == 0);
  bool passes_on = false;
  for (const auto& r : nlohmann::json::parse(to_node.out)) {
    passes_on |= r["prefix"] == "2001:db8:ffff::/48";
  }
  CHECK(passes_on);
}

}  // namespace
}  // namespace kr::routed
