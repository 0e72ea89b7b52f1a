// Three kr-routed daemons end to end: three node network namespaces on one bridge (veths into
// a bridge namespace), each running the real binary, all fed Node objects by one in-process
// bus Publisher (ipc sockets are files, so every namespace reaches it), plus gobgpd as an
// external router in a fourth namespace. Checked with `ip route` in each node, `gobgp global
// rib`, and real packets between pods that the real CNI bridge plugin creates from the config
// each daemon wrote. Pod egress and the overlay are on (kube-router's defaults; the nodes share
// one subnet, so --overlay-type=subnet makes no tunnel): the masquerade sets hold every pod
// CIDR. Also: a service's cluster IP originated with --advertise-cluster-ip and
// withdrawn when the service goes, a malformed annotation on one node and a malformed pod CIDR
// on another, a daemon restart, a node deletion (its own daemon withdraws its pod CIDR from the
// external router), and --cleanup-config.
//
// The binary's path comes from KR_ROUTED (set by meson).
#include <catch2/catch.hpp>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "common/bus/publisher.h"
#include "common/model/node.h"
#include "common/model/service.h"
#include "test/privileged/bgp/daemon.h"
#include "test/support/cni_bridge.h"
#include "test/support/netns.h"
#include "test/support/tcp_probe.h"
#include "test/support/test_publisher.h"

namespace kr::routed {
namespace {

using namespace std::chrono_literals;
using test::Daemon;
using test::NetNs;
using test::ProbeTcp;
using test::TcpProbe;
using test::TempDir;
using test::VethPair;
using test::WaitFor;

constexpr uint32_t kClusterAs = 64512;
constexpr uint32_t kRouterAs = 65100;
const char* kRouterIp = "192.0.2.100";
constexpr int kHealthPort = 20244;

struct NodeSpec {
  std::string name;
  std::string ip;
  std::string pod_cidr;
  std::string gateway;  // kube-bridge's address in the pod CIDR
};

const std::vector<NodeSpec> kNodes = {
    {"node-1", "192.0.2.11", "198.18.1.0/24", "198.18.1.1"},
    {"node-2", "192.0.2.12", "198.18.2.0/24", "198.18.2.1"},
    {"node-3", "192.0.2.13", "198.18.3.0/24", "198.18.3.1"},
};

std::string RoutedBinary() {
  const char* path = std::getenv("KR_ROUTED");
  if (path == nullptr) throw std::runtime_error("KR_ROUTED is not set");
  return path;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

model::Node MakeNode(const NodeSpec& spec, model::StringMap annotations = {}) {
  model::Node node;
  node.name = spec.name;
  node.addresses = {{"InternalIP", spec.ip}, {"Hostname", spec.name}};
  node.pod_cidrs = {spec.pod_cidr};
  node.annotations = std::move(annotations);
  return node;
}

std::string GobgpConfig() {
  std::string c = "[global.config]\n  as = " + std::to_string(kRouterAs) + "\n  router-id = \"" +
                  kRouterIp + "\"\n";
  for (const NodeSpec& node : kNodes) {
    c += "[[neighbors]]\n  [neighbors.config]\n    neighbor-address = \"" + node.ip +
         "\"\n    peer-as = " + std::to_string(kClusterAs) +
         "\n  [neighbors.timers.config]\n    connect-retry = 1\n    idle-hold-time-after-reset = "
         "1\n";
  }
  return c;
}

struct Cluster {
  Cluster() {
    bridge_ns.ExecOrThrow({"ip", "link", "add", "br0", "type", "bridge"});
    bridge_ns.LinkUp("br0");
    for (size_t i = 0; i < kNodes.size(); ++i) {
      nodes.push_back(std::make_unique<NetNs>("node" + std::to_string(i + 1)));
      const std::string port = "veth" + std::to_string(i + 1);
      links.push_back(std::make_unique<VethPair>(*nodes[i], "eth0", bridge_ns, port));
      bridge_ns.ExecOrThrow({"ip", "link", "set", port, "master", "br0"});
      nodes[i]->AddAddress("eth0", kNodes[i].ip + "/24");
      nodes[i]->ExecOrThrow({"sysctl", "-qw", "net.ipv4.ip_forward=1"});
      RunCommandOrThrowIn({"mkdir", "-p", NodeDir(i) + "/ipam"});
    }
    links.push_back(std::make_unique<VethPair>(router, "eth0", bridge_ns, "veth-r"));
    bridge_ns.ExecOrThrow({"ip", "link", "set", "veth-r", "master", "br0"});
    router.AddAddress("eth0", std::string(kRouterIp) + "/24");
    gobgpd = std::make_unique<Daemon>(
        router,
        std::vector<std::string>{"gobgpd", "-f", dir.Write("gobgpd.toml", GobgpConfig()), "-p",
                                 "--pprof-disable", "--api-hosts", "127.0.0.1:50051"},
        dir.path() + "/gobgpd.log");

    publisher = test::StartTestPublisher(BusDir());
  }
  ~Cluster() {
    for (auto& d : routed) d.reset();  // daemons before the namespaces they run in
    gobgpd.reset();
  }

  static void RunCommandOrThrowIn(const std::vector<std::string>& argv) {
    test::RunCommandOrThrow(argv);
  }
  std::string BusDir() const { return dir.path() + "/bus"; }
  std::string NodeDir(size_t i) const { return dir.path() + "/node" + std::to_string(i + 1); }
  std::string Conflist(size_t i) const { return NodeDir(i) + "/10-kuberouter.conflist"; }
  std::string LogPath(size_t i) const { return NodeDir(i) + "/routed.log"; }
  std::string Log(size_t i) const { return test::RunCommand({"cat", LogPath(i)}).output; }

  void StartRouted(size_t i) {
    routed[i] = std::make_unique<Daemon>(
        *nodes[i],
        std::vector<std::string>{
            RoutedBinary(), "--hostname-override=" + kNodes[i].name, "--bus-dir=" + BusDir(),
            "--health-port=" + std::to_string(kHealthPort),  // each node its own namespace
            "--cluster-asn=" + std::to_string(kClusterAs),
            std::string("--peer-router-ips=") + kRouterIp,
            "--peer-router-asns=" + std::to_string(kRouterAs), "--bgp-holdtime=9s",
            "--enable-overlay=true", "--enable-pod-egress=true", "--auto-mtu=true",
            "--advertise-cluster-ip", "--cni-conf-file=" + Conflist(i),
            "--bgp-control-socket=" + NodeDir(i) + "/bgp.sock", "-v=1"},
        LogPath(i));
  }

  // Node i's ipsets (libipset: whichever iptables backend the daemon chose) and nat rules.
  std::string Ipsets(size_t i) const { return nodes[i]->Exec({"ipset", "list"}).output; }
  std::string NatRules(size_t i) const {
    return nodes[i]->Exec({"iptables-nft-save", "-t", "nat"}).output +
           nodes[i]->Exec({"iptables-legacy-save", "-t", "nat"}).output;
  }

  // Our routes in node i, as `ip route` shows them.
  std::string Routes(size_t i) const {
    return nodes[i]->ExecOrThrow({"ip", "-4", "route", "show", "proto", "17"});
  }
  // Whether node i routes every other listed node's pod CIDR via that node, with proto 17.
  bool RoutesToOthers(size_t i, const std::vector<size_t>& others) const {
    const std::string routes = Routes(i);
    for (size_t j : others) {
      if (!Contains(routes, kNodes[j].pod_cidr + " via " + kNodes[j].ip + " dev eth0")) {
        return false;
      }
    }
    return true;
  }
  std::string Gobgp(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {"gobgp", "-u", "127.0.0.1", "-p", "50051"};
    argv.insert(argv.end(), args.begin(), args.end());
    return router.Exec(argv).output;
  }
  // Node i's speaker has an established session with `peer` (kr-bgp on its control socket;
  // without kr-bgp, node i's BGP log is not consulted and this holds).
  bool NodeSeesEstablished(size_t i, const std::string& peer) const {
    const char* kr_bgp = std::getenv("KR_BGP");
    if (kr_bgp == nullptr || !std::ifstream(kr_bgp).good()) return true;
    const std::string text =
        test::RunCommand({kr_bgp, "--socket", NodeDir(i) + "/bgp.sock", "neighbor"}).output;
    size_t at = text.find(peer + " ");
    if (at == std::string::npos) return false;
    const size_t end = text.find('\n', at);
    return Contains(text.substr(at, end - at), "Established");
  }
  bool RouterEstablishedWith(size_t i) const {
    std::string text = Gobgp({"neighbor", kNodes[i].ip});
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return Contains(text, "bgp state = established");
  }

  TempDir dir;
  NetNs bridge_ns{"br"};
  NetNs router{"gobgp"};
  std::vector<std::unique_ptr<NetNs>> nodes;
  std::vector<std::unique_ptr<VethPair>> links;
  std::unique_ptr<Daemon> gobgpd;
  std::unique_ptr<bus::Publisher> publisher;
  std::unique_ptr<Daemon> routed[3];
};

TEST_CASE("routed: three nodes route pod CIDRs to each other over BGP, pods talk, GoBGP learns") {
  Cluster c;
  // node-2 carries malformed external-peer annotations: skipped, nothing else disturbed.
  REQUIRE(c.publisher->Upsert(MakeNode(kNodes[0])).ok());
  REQUIRE(c.publisher
              ->Upsert(MakeNode(kNodes[1], {{"kube-router.io/peer.ips", "198.51.100.7,nonsense"},
                                            {"kube-router.io/peer.asns", "65300"}}))
              .ok());
  // node-3 carries a malformed second pod CIDR: skipped; its good one is routed everywhere.
  model::Node node3 = MakeNode(kNodes[2]);
  node3.pod_cidrs.push_back("198.18.300.0/24");
  REQUIRE(c.publisher->Upsert(node3).ok());
  c.publisher->MarkInSync();
  for (size_t i = 0; i < 3; ++i) c.StartRouted(i);

  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < 3; ++i) {
    std::vector<size_t> others;
    for (size_t j = 0; j < 3; ++j) {
      if (j != i) others.push_back(j);
    }
    INFO("node " << i + 1 << " log:\n" << c.Log(i) << "\nroutes:\n" << c.Routes(i));
    REQUIRE(WaitFor([&] { return c.RoutesToOthers(i, others); }, 30s));
    CHECK_FALSE(Contains(c.Routes(i), kNodes[i].pod_cidr));  // our own CIDR: not via BGP
  }
  const double converged =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("routes converged on 3 nodes in %.2f s\n", converged);
  // Pod egress in node-1: every node's pod CIDR in the set, the chain jumped to.
  {
    INFO("node 1 log:\n" << c.Log(0) << "\nipsets:\n" << c.Ipsets(0));
    CHECK(WaitFor(
        [&] {
          const std::string sets = c.Ipsets(0);
          for (const NodeSpec& node : kNodes) {
            if (!Contains(sets, node.pod_cidr)) return false;
          }
          return Contains(sets, "KR-RTE-POD-SUBNETS-V4");
        },
        15s));
    CHECK(Contains(c.NatRules(0), "-j KR-RTE-POD-EGRESS"));
  }
  CHECK(Contains(c.Log(1), "kube-router.io/peer.asns"));  // the bad annotation, logged by name
  CHECK(Contains(c.Log(1), "node node-2"));
  for (size_t i = 0; i < 3; ++i) {  // the bad pod CIDR, logged by every node with the node's name
    CHECK(Contains(c.Log(i), "node node-3: spec.podCIDRs: \"198.18.300.0/24\""));
  }

  // kr-bgp reads node-1's neighbours from its control socket, as `gobgp neighbor` would.
  if (const char* kr_bgp = std::getenv("KR_BGP"); kr_bgp && std::ifstream(kr_bgp).good()) {
    test::CommandResult shown =
        test::RunCommand({kr_bgp, "--socket", c.NodeDir(0) + "/bgp.sock", "neighbor"});
    INFO(shown.output);
    CHECK(shown.ok());
    CHECK(Contains(shown.output, kNodes[1].ip));
    CHECK(Contains(shown.output, kRouterIp));
  } else {
    WARN("kr-bgp not built: control socket not checked");
  }

  // Metrics with kube-router's names, served in node-1's namespace.
  std::string metrics;
  CHECK(WaitFor(
      [&] {
        metrics = c.nodes[0]
                      ->Exec({"curl", "-sf",
                              "http://127.0.0.1:" + std::to_string(kHealthPort) + "/metrics"})
                      .output;
        return Contains(metrics, "kube_router_bgp_peer_info{address=\"" + kNodes[1].ip +
                                     "\",asn=\"64512\",state=\"Established\"} 1");
      },
      15s));
  INFO(metrics);
  CHECK(Contains(metrics, "kube_router_controller_bgp_peers 3"));
  CHECK(Contains(metrics, "kr_routed_kernel_routes 2"));
  CHECK(Contains(metrics, "kube_router_controller_routes_sync_time_count"));
  CHECK(Contains(
      c.nodes[1]
          ->Exec({"curl", "-sf", "http://127.0.0.1:" + std::to_string(kHealthPort) + "/metrics"})
          .output,
      "kr_routed_bad_input_total 2"));  // node-2's annotation, node-3's pod CIDR

  // The external router learns every pod CIDR, each over its own node's session (the other
  // nodes re-advertise it too: see the report on export policy).
  for (size_t i = 0; i < 3; ++i) {
    std::string adj_in;
    INFO("adj-in from " << kNodes[i].ip << ":\n" << adj_in << "\nnode log:\n" << c.Log(i));
    CHECK(WaitFor(
        [&] {
          adj_in = c.Gobgp({"neighbor", kNodes[i].ip, "adj-in", "-a", "ipv4"});
          return Contains(adj_in, kNodes[i].pod_cidr);
        },
        20s));
  }
  const std::string rib = c.Gobgp({"global", "rib", "-a", "ipv4"});
  INFO("gobgp global rib:\n" << rib);
  for (const NodeSpec& node : kNodes) CHECK(Contains(rib, node.pod_cidr));

  // --advertise-cluster-ip: a service published on the bus reaches the router as a /32 from
  // every node, and is withdrawn everywhere when the service is deleted.
  model::Service dns;
  dns.ns = "kube-system";
  dns.name = "dns";
  dns.cluster_ips = {"198.51.100.53"};
  REQUIRE(c.publisher->Upsert(dns).ok());
  {
    std::string text;
    INFO("gobgp global rib:\n" << text << "\nnode 1 log:\n" << c.Log(0));
    REQUIRE(WaitFor(
        [&] {
          text = c.Gobgp({"global", "rib", "-a", "ipv4", "198.51.100.53/32"});
          return Contains(text, "198.51.100.53/32");
        },
        20s));
    for (size_t i = 0; i < 3; ++i) {
      CHECK(WaitFor(
          [&] {
            return Contains(c.Gobgp({"neighbor", kNodes[i].ip, "adj-in", "-a", "ipv4"}),
                            "198.51.100.53/32");
          },
          20s));
      CHECK_FALSE(Contains(c.Routes(i), "198.51.100.53"));  // ours: never a kernel route
    }
  }
  REQUIRE(c.publisher->Delete(bus::Topic::kServices, dns.Key()).ok());
  CHECK(WaitFor(
      [&] {
        return !Contains(c.Gobgp({"global", "rib", "-a", "ipv4"}), "198.51.100.53");
      },
      20s));

  // Pods from the CNI config each daemon wrote reach pods on the other nodes (TCP; the image
  // has no ping).
  std::vector<std::unique_ptr<test::BridgePod>> pods;
  for (size_t i = 0; i < 3; ++i) {
    INFO("node " << i + 1 << " log:\n" << c.Log(i));
    REQUIRE(WaitFor([&] { return std::ifstream(c.Conflist(i)).good(); }, 10s));
    const std::string stdin_file =
        c.dir.Write("bridge-" + std::to_string(i + 1) + ".json",
                    test::BridgePluginConfig(c.Conflist(i), c.NodeDir(i) + "/ipam"));
    pods.push_back(
        std::make_unique<test::BridgePod>(*c.nodes[i], "pod" + std::to_string(i + 1), stdin_file));
    CHECK(pods[i]->Address().rfind(kNodes[i].pod_cidr.substr(0, 9), 0) == 0);
  }
  for (size_t i = 0; i < 3; ++i) {
    for (size_t j = 0; j < 3; ++j) {
      if (i == j) continue;
      INFO("pod" << i + 1 << " -> pod" << j + 1 << " (" << pods[j]->Address() << ")");
      CHECK(ProbeTcp(pods[i]->ns(), pods[j]->ns(), pods[j]->Address()) == TcpProbe::kConnected);
    }
  }

  // Restarting node-3's routed: the other nodes keep its route while it is away (they hold a
  // route whose node is still on the bus; the speaker may also keep it as graceful-restart
  // helper), so pod traffic keeps flowing; once it is back, everything is converged again.
  c.routed[2].reset();
  auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  CHECK(WaitFor([&] { return !c.RouterEstablishedWith(2); }, 10s));  // it is really away
  for (size_t i : {0, 1}) {
    INFO("node " << i + 1 << " log:\n" << c.Log(i));
    CHECK(c.RoutesToOthers(i, {2}));
  }
  CHECK(ProbeTcp(pods[0]->ns(), pods[2]->ns(), pods[2]->Address()) == TcpProbe::kConnected);
  c.StartRouted(2);
  {
    INFO("node 3 log:\n" << c.Log(2));
    // The nodes' sessions with each other (GoBGP's own reconnect takes 10-20 s: not waited for).
    CHECK(WaitFor(
        [&] {
          return c.NodeSeesEstablished(0, kNodes[2].ip) && c.NodeSeesEstablished(1, kNodes[2].ip) &&
                 c.NodeSeesEstablished(2, kNodes[0].ip) && c.NodeSeesEstablished(2, kNodes[1].ip);
        },
        30s));
    std::printf("node-3 stopped and restarted: node sessions back after %.2f s\n", elapsed());
  }
  const std::string held = kNodes[2].pod_cidr + " via " + kNodes[2].ip + " left BGP";
  std::printf("node-3 restart: node-1 %s its route while it was away\n",
              Contains(c.Log(0), held) ? "held" : "kept (still in BGP)");
  CHECK(c.RoutesToOthers(0, {1, 2}));
  CHECK(c.RoutesToOthers(1, {0, 2}));
  CHECK(c.RoutesToOthers(2, {0, 1}));
  CHECK(ProbeTcp(pods[0]->ns(), pods[2]->ns(), pods[2]->Address()) == TcpProbe::kConnected);
  CHECK(ProbeTcp(pods[2]->ns(), pods[1]->ns(), pods[1]->Address()) == TcpProbe::kConnected);

  // Deleting node-3 withdraws its route on every other node; node-3's own routed withdraws its
  // pod CIDR from the external router too, while it keeps its kernel routes.
  REQUIRE(c.publisher->Delete(bus::Topic::kNodes, kNodes[2].name).ok());
  CHECK(WaitFor([&] { return !Contains(c.Routes(0), kNodes[2].pod_cidr); }, 15s));
  CHECK(WaitFor([&] { return !Contains(c.Routes(1), kNodes[2].pod_cidr); }, 15s));
  CHECK(c.RoutesToOthers(0, {1}));
  CHECK(c.RoutesToOthers(1, {0}));
  {
    INFO("node 3 log:\n" << c.Log(2));
    CHECK(WaitFor(
        [&] {
          return !Contains(c.Gobgp({"global", "rib", "-a", "ipv4"}), kNodes[2].pod_cidr);
        },
        20s));
    CHECK(Contains(c.Log(2), "node-3 deleted from the bus: withdrew"));
    CHECK(c.RoutesToOthers(2, {0, 1}));
  }

  pods.clear();
  for (auto& d : c.routed) d.reset();

  // --cleanup-config removes our routes and nothing else.
  c.nodes[0]->ExecOrThrow({"ip", "route", "add", "203.0.113.0/24", "via", "192.0.2.100"});
  test::CommandResult cleanup =
      c.nodes[0]->Exec({RoutedBinary(), "--cleanup-config", "--hostname-override=node-1",
                        "--bus-dir=" + c.BusDir()});
  INFO(cleanup.output);
  CHECK(cleanup.ok());
  CHECK(c.Routes(0).empty());
  CHECK_FALSE(Contains(c.Ipsets(0), "KR-RTE-"));  // and pod egress
  CHECK_FALSE(Contains(c.NatRules(0), "KR-RTE-"));
  CHECK(Contains(c.nodes[0]->ExecOrThrow({"ip", "route"}), "203.0.113.0/24 via 192.0.2.100"));
}

}  // namespace
}  // namespace kr::routed
