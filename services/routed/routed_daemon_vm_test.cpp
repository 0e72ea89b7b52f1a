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

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/bus/publisher.h"
#include "common/model/node.h"
#include "common/route/ip_prefix.h"
#include "services/routed/overlay/tunnel_name.h"
#include "test/privileged/bgp/daemon.h"
#include "test/support/netns.h"

namespace kr::routed {
namespace {

using namespace std::chrono_literals;
using test::Daemon;
using test::NetNs;
using test::TempDir;
using test::UniqueFd;
using test::WaitFor;

std::string g_routed_path;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

long Counter(const NetNs& ns, const std::string& ifname, const std::string& counter) {
  return std::stol(ns.ExecOrThrow({"cat", "/sys/class/net/" + ifname + "/statistics/" + counter}));
}

sockaddr_in Address(const std::string& ip, uint16_t port) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  inet_pton(AF_INET, ip.c_str(), &sin.sin_addr);
  return sin;
}

// A TCP connection from `from` to a listener on to_ip in `to`; returns the source address the
// listener saw (getpeername of the accepted socket), or "error: ...".
std::string ConnectAndSeeSource(const NetNs& from, const NetNs& to, const std::string& to_ip) {
  UniqueFd listener = to.Run([&] {
    UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const int on = 1;
    setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    const sockaddr_in sin = Address(to_ip, 9090);
    if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&sin), sizeof sin) != 0 ||
        listen(fd.get(), 4) != 0) {
      throw std::runtime_error(std::string("listen: ") + std::strerror(errno));
    }
    return fd;
  });
  int connect_errno = 0;
  UniqueFd client = from.Run([&] {
    UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    timeval timeout{10, 0};  // a bound for a broken path, not a synchronization
    setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    const sockaddr_in remote = Address(to_ip, 9090);
    if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&remote), sizeof remote) != 0) {
      connect_errno = errno;
      return UniqueFd();
    }
    return fd;
  });
  if (!client.valid()) return std::string("error: connect: ") + std::strerror(connect_errno);
  pollfd ready{listener.get(), POLLIN, 0};
  if (poll(&ready, 1, 10000) != 1) return "error: nothing to accept";
  UniqueFd accepted(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!accepted.valid()) return std::string("error: accept: ") + std::strerror(errno);
  sockaddr_in peer{};
  socklen_t length = sizeof peer;
  getpeername(accepted.get(), reinterpret_cast<sockaddr*>(&peer), &length);
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &peer.sin_addr, text, sizeof text);
  return text;
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
    auto created = bus::Publisher::Create({.address = bus::BusAddress::InDirectory(BusDir()),
                                           .bus_directory = BusDir(),
                                           .heartbeat_interval = 200ms});
    if (!created) throw std::runtime_error("publisher: " + created.error().message);
    publisher = std::move(*created);
  }
  ~Cluster() {
    a.routed.reset();  // daemons before the namespaces they run in
    b.routed.reset();
  }

  std::string BusDir() const { return dir.path() + "/bus"; }
  std::string LogPath(const Node& n) const { return dir.path() + "/" + n.spec.name + ".log"; }
  std::string Log(const Node& n) const { return test::RunCommand({"cat", LogPath(n)}).output; }

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
  for (const auto& [node, peer, tunnel] :
       {std::tuple{&c.a, &kB, tunnel_a}, std::tuple{&c.b, &kA, tunnel_b}}) {
    const bool routed = WaitFor(
        [&] {
          return Contains(node->Routes(),
                          peer->pod_cidr + " dev " + tunnel + " scope link src " + node->spec.ip);
        },
        120s);
    INFO(node->spec.name << " log:\n" << c.Log(*node) << "\nroutes:\n" << node->Routes());
    REQUIRE(routed);
  }
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
