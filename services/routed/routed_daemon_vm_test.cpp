// Two kr-routed daemons with the overlay (vm tier: the host kernel has no ipip module). Two node
// subnets joined by a router that knows nothing of pod CIDRs; the daemons are fed Node objects
// by an in-process bus Publisher (ipc sockets are files, so every namespace reaches it), build
// their iBGP session through the router, and with --enable-overlay --overlay-type=subnet route
// each other's pod CIDR through an IP-in-IP tunnel, so pod traffic crosses only that way:
//
//   pod-a 198.18.1.2 -- node-a 198.18.1.1 | eth0 192.0.2.10/24 -- 192.0.2.1 router
//   pod-b 198.18.2.2 -- node-b 198.18.2.1 | eth0 198.51.100.10/24 -- 198.51.100.1 router
//
// Then node-a's daemon restarts with --enable-overlay=false (kube-router takes flags at start):
// its tunnel and the route through it go, and node-b's pod CIDR is left to the network.
//
// Run inside the VM by the runner, with kr-routed's path first:
//   <builddir>/test/support/vm-run -- <builddir>/services/routed/routed_daemon_vm_test
//       <builddir>/services/routed/kr-routed
#define CATCH_CONFIG_RUNNER  // main() below takes the daemon's path first

#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include "common/bus/publisher.h"
#include "common/model/node.h"
#include "common/route/ip_prefix.h"
#include "services/routed/bgp/control/control_client.h"
#include "services/routed/overlay/tunnel_name.h"
#include "test/privileged/bgp/daemon.h"
#include "test/support/netns.h"
#include "test/support/tcp_probe.h"
#include "test/support/test_publisher.h"

namespace kr::routed {
namespace {

using namespace std::chrono_literals;
using test::ConnectAndSeeSource;
using test::Daemon;
using test::NetNs;
using test::TempDir;
using test::WaitFor;

std::string g_routed_path;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

long Counter(const NetNs& ns, const std::string& ifname, const std::string& counter) {
  return std::stol(ns.ExecOrThrow({"cat", "/sys/class/net/" + ifname + "/statistics/" + counter}));
}

struct NodeSpec {
  std::string name;
  std::string ip;
  std::string subnet_length;  // of eth0
  std::string gateway;        // the router on this subnet
  std::string pod_cidr;
  std::string pod_gateway;  // on the node, in the pod CIDR
  std::string pod_ip;
};

const NodeSpec kA{"node-a",        "192.0.2.10", "24",        "192.0.2.1",
                  "198.18.1.0/24", "198.18.1.1", "198.18.1.2"};
const NodeSpec kB{"node-b",        "198.51.100.10", "24",        "198.51.100.1",
                  "198.18.2.0/24", "198.18.2.1",    "198.18.2.2"};

// A node namespace on the router, with one pod namespace behind a veth.
struct Node {
  Node(const NodeSpec& s, const NetNs& router, const std::string& router_if)
      : spec(s),
        ns(s.name),
        pod(s.name + "-pod"),
        uplink(router, router_if, ns, "eth0"),
        pod_link(ns, "pod0", pod, "eth0") {
    ns.AddAddress("eth0", s.ip + "/" + s.subnet_length);
    ns.ExecOrThrow({"ip", "route", "add", "default", "via", s.gateway});
    ns.ExecOrThrow({"sysctl", "-qw", "net.ipv4.ip_forward=1"});
    ns.AddAddress("pod0", s.pod_gateway + "/24");
    pod.AddAddress("eth0", s.pod_ip + "/24");
    pod.ExecOrThrow({"ip", "route", "add", "default", "via", s.pod_gateway});
  }
  model::Node BusNode() const {
    model::Node node;
    node.name = spec.name;
    node.addresses = {{"InternalIP", spec.ip}, {"Hostname", spec.name}};
    node.pod_cidrs = {spec.pod_cidr};
    return node;
  }
  std::string Routes() const {
    return ns.ExecOrThrow({"ip", "-4", "route", "show", "proto", "17"});
  }
  bool HasLink(const std::string& name) const { return ns.Exec({"ip", "link", "show", name}).ok(); }

  NodeSpec spec;
  NetNs ns;
  NetNs pod;
  test::VethPair uplink;
  test::VethPair pod_link;
  std::unique_ptr<Daemon> routed;
};

std::string TunnelTo(const NodeSpec& peer) {
  return overlay::TunnelName(route::IpAddress::FromString(peer.ip));
}

struct Cluster {
  Cluster() {
    router.ExecOrThrow({"sysctl", "-qw", "net.ipv4.ip_forward=1"});
    router.AddAddress("eth-a", kA.gateway + "/24");
    router.AddAddress("eth-b", kB.gateway + "/24");
    publisher = test::StartTestPublisher(BusDir());
  }
  ~Cluster() {
    a.routed.reset();  // daemons before the namespaces they run in
    b.routed.reset();
  }

  std::string BusDir() const { return dir.path() + "/bus"; }
  std::string LogPath(const Node& n) const { return dir.path() + "/" + n.spec.name + ".log"; }
  std::string Log(const Node& n) const { return test::RunCommand({"cat", LogPath(n)}).output; }
  // What a failure needs to be understood: the daemon's log, its BGP sessions and Loc-RIB
  // (over its control socket), every route and link of the node.
  std::string Diagnostics(const Node& n) const {
    std::string out = n.spec.name + " log:\n" + Log(n);
    for (const char* command : {"neighbors", "rib"}) {
      auto answer =
          bgp::control::Ask(dir.path() + "/" + n.spec.name + ".sock", {.command = command}, 5s);
      out += std::string("\nbgp ") + command + ": " +
             (answer ? answer->dump() : "error: " + answer.error().message);
    }
    out += "\nroutes:\n" + n.ns.Exec({"ip", "route", "show"}).output;
    out += "links:\n" + n.ns.Exec({"ip", "-d", "link", "show"}).output;
    return out;
  }

  void StartRouted(Node& n, bool overlay) {
    n.routed.reset();
    n.routed = std::make_unique<Daemon>(
        n.ns,
        std::vector<std::string>{
            g_routed_path, "--hostname-override=" + n.spec.name, "--bus-dir=" + BusDir(),
            "--health-port=20244", "--cluster-asn=64512", "--bgp-holdtime=9s",
            std::string("--enable-overlay=") + (overlay ? "true" : "false"),
            "--overlay-type=subnet", "--enable-pod-egress=false", "--enable-cni=false",
            "--auto-mtu=false", "--bgp-control-socket=" + dir.path() + "/" + n.spec.name + ".sock",
            "-v=1"},
        LogPath(n));
  }

  TempDir dir;
  NetNs router{"router"};
  Node a{kA, router, "eth-a"};
  Node b{kB, router, "eth-b"};
  std::unique_ptr<bus::Publisher> publisher;
};

TEST_CASE("routed daemons in two subnets: iBGP through a router, pod traffic through tunnels") {
  Cluster c;
  REQUIRE(c.publisher->Upsert(c.a.BusNode()).ok());
  REQUIRE(c.publisher->Upsert(c.b.BusNode()).ok());
  c.publisher->MarkInSync();
  const auto start = std::chrono::steady_clock::now();
  c.StartRouted(c.a, true);
  c.StartRouted(c.b, true);

  // Each node routes the other's pod CIDR through its tunnel to the other (our protocol 17).
  const std::string tunnel_a = TunnelTo(kB);  // on a, towards b
  const std::string tunnel_b = TunnelTo(kA);
  bool routed = true;
  for (const auto& [node, peer, tunnel] :
       {std::tuple{&c.a, &kB, tunnel_a}, std::tuple{&c.b, &kA, tunnel_b}}) {
    routed =
        routed && WaitFor(
                      [&] {
                        return Contains(node->Routes(), peer->pod_cidr + " dev " + tunnel +
                                                            " scope link src " + node->spec.ip);
                      },
                      120s);
  }
  // Gathered only on failure (INFO would build it every run).
  if (!routed)
    FAIL("no route through the tunnel\n" << c.Diagnostics(c.a) << "\n\n" << c.Diagnostics(c.b));
  std::printf("overlay routes through tunnels on both nodes after %.1f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  const std::string details = c.a.ns.ExecOrThrow({"ip", "-d", "link", "show", tunnel_a});
  INFO(details);
  CHECK(Contains(details, "ipip remote " + kB.ip + " local " + kA.ip + " dev eth0"));
  // The router cannot carry pod traffic itself.
  CHECK_FALSE(c.router.Exec({"ip", "route", "get", kB.pod_ip}).ok());

  const long sent_before = Counter(c.a.ns, tunnel_a, "tx_packets");
  const long received_before = Counter(c.b.ns, tunnel_b, "rx_packets");
  CHECK(ConnectAndSeeSource(c.a.pod, c.b.pod, kB.pod_ip) == kA.pod_ip);
  CHECK(Counter(c.a.ns, tunnel_a, "tx_packets") > sent_before);
  CHECK(Counter(c.b.ns, tunnel_b, "rx_packets") > received_before);
  CHECK(ConnectAndSeeSource(c.b.pod, c.a.pod, kA.pod_ip) == kB.pod_ip);

  // Overlay off on node-a: its tunnel goes, and with it the route (node-b is in another
  // subnet: left to the network, as kube-router does); node-b keeps its own.
  c.StartRouted(c.a, false);
  {
    const bool tunnel_gone = WaitFor([&] { return !c.a.HasLink(tunnel_a); }, 60s);
    const bool route_gone = WaitFor([&] { return !Contains(c.a.Routes(), kB.pod_cidr); }, 30s);
    INFO("node-a log:\n" << c.Log(c.a) << "\nroutes:\n" << c.a.Routes());
    CHECK(tunnel_gone);
    CHECK(route_gone);
    CHECK(c.a.HasLink("tunl0"));  // the ipip module's fallback device is not ours
  }
  CHECK(c.b.HasLink(tunnel_b));
  CHECK(Contains(c.b.Routes(), kA.pod_cidr + " dev " + tunnel_b));
  // Pod traffic to node-b now takes node-a's default route, which the router cannot carry.
  CHECK(Contains(c.a.ns.ExecOrThrow({"ip", "route", "get", kB.pod_ip}), "via " + kA.gateway));
}

}  // namespace
}  // namespace kr::routed

int main(int argc, char** argv) {
  if (geteuid() != 0) return 77;
  if (argc < 2) {
    fprintf(stderr, "usage: %s <kr-routed path> [catch2 args]\n", argv[0]);
    return 2;
  }
  kr::routed::g_routed_path = argv[1];
  signal(SIGPIPE, SIG_IGN);
  std::vector<char*> rest = {argv[0]};
  for (int i = 2; i < argc; ++i) rest.push_back(argv[i]);
  return Catch::Session().run(static_cast<int>(rest.size()), rest.data());
}
