// kr-proxyd with real traffic (vm tier: the host kernel has no IPVS). Run inside the VM by
// test/vm's runner with the daemon's path:
//   <builddir>/test/support/vm-run -- <builddir>/services/proxyd/proxyd_vm_test <kr-proxyd path>
//
//   client  eth0 192.0.2.2/24 ---- node  eth-c 192.0.2.1/24 (kr-proxyd, IPVS, kube-dummy-if)
//                                        p1 198.18.1.1/24 ---- pod1 eth0 198.18.1.2/24 :8080
//                                        p2 198.18.2.1/24 ---- pod2 ...                :8080
//                                        p3 198.18.3.1/24 ---- pod3 ...                :8080
// The client routes everything via the node and the pods route back via it, so IPVS's NAT
// (Masq) needs no SNAT. The test publishes Service/Endpoints/Node objects on an in-process bus
// publisher; the real kr-proxyd binary, started in the node namespace, programs IPVS from it.
// Each pod runs a tiny TCP server answering every line with its own name (pod1 also on
// 0.0.0.0:80, for DSR: the tunnelled packet keeps the service port).
#define CATCH_CONFIG_RUNNER  // main() below takes the daemon's path first
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string_view>
#include <thread>

#include "common/bus/publisher.h"
#include "common/ipvs/netlink_ipvs_kernel.h"
#include "services/proxyd/core/dsr_fwmark.h"
#include "services/proxyd/core/test_fixtures.h"
#include "test/support/netns.h"
#include "test/support/tcp_probe.h"
#include "test/support/temp_dir.h"
#include "test/support/test_publisher.h"

extern char** environ;

namespace kr::proxyd {
namespace {

using test::LocalAddressOf;
using test::NetNs;
using test::ParseSocketAddress;
using test::PeerAddressOf;
using test::SocketAddress;
using test::TempDir;
using test::UniqueFd;
using test::VethPair;
using namespace std::chrono_literals;

const char* g_proxyd_path = nullptr;  // argv[1]

constexpr char kClusterIp[] = "10.96.0.10";
constexpr char kNodeIp[] = "192.0.2.1";
constexpr char kClientIp[] = "192.0.2.2";
constexpr char kNodeIp6[] = "2001:db8:c::1";
constexpr char kClientIp6[] = "2001:db8:c::2";
constexpr uint16_t kMetricsPort = 20242;  // kr-proxyd's /metrics, inside the node namespace

// A TCP server in a pod: every line it receives is answered with "<name>\n", except "who",
// answered with the client's address as the server sees it, and "local", answered with the
// address the client reached; connections stay open until the
// client closes them. One thread, poll() over everything.
class NameServer {
 public:
  NameServer(const NetNs& ns, const std::string& ip, uint16_t port, std::string name)
      : name_(std::move(name)), stop_(eventfd(0, EFD_CLOEXEC)) {
    listener_ = ns.Run([&] {
      const SocketAddress address = ParseSocketAddress(ip, port);
      UniqueFd fd(socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
      int one = 1;
      setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (bind(fd.get(), address.get(), address.length) != 0 || listen(fd.get(), 64) != 0) {
        throw std::runtime_error(std::string("listen: ") + std::strerror(errno));
      }
      return fd;
    });
    thread_ = std::thread([this] { Serve(); });
  }
  ~NameServer() {
    uint64_t one = 1;
    (void)!write(stop_.get(), &one, sizeof one);
    thread_.join();
  }

 private:
  void Serve() {
    std::vector<UniqueFd> connections;
    while (true) {
      std::vector<pollfd> fds = {{stop_.get(), POLLIN, 0}, {listener_.get(), POLLIN, 0}};
      for (const auto& c : connections) fds.push_back({c.get(), POLLIN, 0});
      if (poll(fds.data(), fds.size(), -1) < 0) continue;
      if (fds[0].revents) return;
      if (fds[1].revents & POLLIN) {
        int fd = accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) connections.emplace_back(fd);
      }
      for (size_t i = 2; i < fds.size(); ++i) {
        if (!fds[i].revents) continue;
        char buffer[256];
        ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
        if (n <= 0) {
          connections[i - 2] = UniqueFd();
          continue;
        }
        const std::string_view line(buffer, static_cast<size_t>(n));
        const std::string reply = (line.starts_with("who")     ? PeerAddressOf(fds[i].fd)
                                   : line.starts_with("local") ? LocalAddressOf(fds[i].fd)
                                                               : name_) +
                                  "\n";
        (void)!write(fds[i].fd, reply.data(), reply.size());
      }
      std::erase_if(connections, [](const UniqueFd& c) { return !c.valid(); });
    }
  }

  std::string name_;
  UniqueFd stop_;
  UniqueFd listener_;
  std::thread thread_;
};

// A client connection from the client namespace; Ask sends a line and returns the answer.
class Connection {
 public:
  Connection(const NetNs& ns, const std::string& ip, uint16_t port) {
    fd_ = ns.Run([&] {
      const SocketAddress address = ParseSocketAddress(ip, port);
      UniqueFd fd(socket(address.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
      timeval timeout{5, 0};  // bounds a broken path; not a synchronization
      setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
      setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      if (connect(fd.get(), address.get(), address.length) != 0) {
        throw std::runtime_error("connect " + ip + ":" + std::to_string(port) + ": " +
                                 std::strerror(errno));
      }
      return fd;
    });
  }
  std::string Ask(const std::string& line = "hi") {
    const std::string request = line + "\n";
    if (write(fd_.get(), request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
      return "write failed";
    }
    std::string answer;
    char c;
    while (read(fd_.get(), &c, 1) == 1 && c != '\n') answer += c;
    return answer;
  }
  // The whole reply to `request` up to the server's close (HTTP/1.0).
  std::string Exchange(const std::string& request) {
    if (write(fd_.get(), request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
      return "write failed";
    }
    std::string reply;
    char buffer[4096];
    ssize_t n;
    while ((n = read(fd_.get(), buffer, sizeof buffer)) > 0) reply.append(buffer, n);
    return reply;
  }

 private:
  UniqueFd fd_;
};

std::string AskOnce(const NetNs& ns, const std::string& ip, uint16_t port,
                    const std::string& line = "hi") {
  Connection connection(ns, ip, port);
  return connection.Ask(line);
}

// An HTTP/1.0 GET from inside `ns`: the status line, headers and body as received.
std::string HttpGet(const NetNs& ns, const std::string& ip, uint16_t port,
                    const std::string& path) {
  Connection connection(ns, ip, port);
  return connection.Exchange("GET " + path + " HTTP/1.0\r\nHost: " + ip + "\r\n\r\n");
}

std::map<std::string, int> Spread(const NetNs& ns, const std::string& ip, uint16_t port,
                                  int requests) {
  std::map<std::string, int> counts;
  for (int i = 0; i < requests; ++i) ++counts[AskOnce(ns, ip, port)];
  return counts;
}

// kr-proxyd in the node namespace, its output in a log file. Stopped with SIGTERM.
class Proxyd {
 public:
  Proxyd(const NetNs& node, const std::string& bus_dir, const std::string& log,
         std::vector<std::string> extra = {})
      : log_(log) {
    std::vector<std::string> args = {"ip",
                                     "netns",
                                     "exec",
                                     node.name(),
                                     g_proxyd_path,
                                     "--bus-dir=" + bus_dir,
                                     "--hostname-override=node-a",
                                     "--health-port=" + std::to_string(kMetricsPort),
                                     "--service-cluster-ip-range=10.96.0.0/16",
                                     "-v=1"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    int err = posix_spawnp(&pid_, "ip", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (err != 0) throw std::runtime_error("spawn kr-proxyd: " + std::string(strerror(err)));
  }
  ~Proxyd() { Stop(); }
  // SIGTERM and wait; the exit status (-1 when killed by a signal).
  int Stop() {
    if (pid_ <= 0) return exit_status_;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    // The daemon's own account, for the reader of a failed run.
    const std::string log = Log();
    std::fprintf(stderr, "--- kr-proxyd log (tail) ---\n%s\n---\n",
                 log.substr(log.size() > 4000 ? log.size() - 4000 : 0).c_str());
    return exit_status_;
  }
  std::string Log() const {
    std::ifstream in(log_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  std::string log_;
  pid_t pid_ = -1;
  int exit_status_ = -1;
};

// Polls `condition` until true or 60 s pass (a bound for failure; success returns at once).
bool Eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return condition();
}

std::string IpvsText(const NetNs& node) {
  return node.Run([] {
    auto kernel = ipvs::NetlinkIpvsKernel::Open();
    if (!kernel) return "open: " + kernel.error().message;
    return testing::IpvsadmText(**kernel);
  });
}

// ipvsadm pads its columns; one space per gap makes its text comparable.
std::string Squeeze(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out += c;
  }
  return out;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The destination lines listed under `service_line` in IpvsText's output.
std::vector<std::string> DestinationsOf(const std::string& text, const std::string& service_line) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!line.starts_with("  -> ")) {
      inside = line == service_line;
      continue;
    }
    if (inside) lines.push_back(line);
  }
  return lines;
}

// The kernel lists destinations newest first; this checks the service and each destination.
bool HasNginxWithThree(const std::string& text) {
  return Contains(text, "TCP 10.96.0.10:80 rr\n") &&
         Contains(text, "  -> 198.18.1.2:8080 Masq 1\n") &&
         Contains(text, "  -> 198.18.2.2:8080 Masq 1\n") &&
         Contains(text, "  -> 198.18.3.2:8080 Masq 1\n");
}

model::Service Nginx() {
  model::Service service = testing::MakeService("nginx", kClusterIp, 80);
  service.ports[0].target_port.number = 8080;
  return service;
}

model::Endpoints NginxEndpoints(int count) {
  std::vector<model::Endpoint> endpoints;
  for (int i = 1; i <= count; ++i) {
    endpoints.push_back(testing::MakeEndpoint("198.18." + std::to_string(i) + ".2", 8080));
  }
  return testing::MakeEndpoints("nginx", std::move(endpoints));
}

// "ip -n <ns> -batch <file>": one process for many commands (each process start costs about a
// second under the VM's software emulation).
void IpBatch(const TempDir& dir, const NetNs& ns, const std::vector<std::string>& lines) {
  const std::string path = dir.path() + "/" + ns.name() + ".batch";
  {
    std::ofstream out(path);
    for (const auto& line : lines) out << line << "\n";
  }
  test::RunCommandOrThrow({"ip", "-n", ns.name(), "-batch", path});
}

struct Cluster {
  Cluster() {
    std::vector<std::string> node_setup = {
        "address add " + std::string(kNodeIp) + "/24 dev eth-c",
        "address add " + std::string(kNodeIp6) + "/64 dev eth-c nodad"};
    IpBatch(dir, client,
            {"address add " + std::string(kClientIp) + "/24 dev eth0",
             "address add " + std::string(kClientIp6) + "/64 dev eth0 nodad",
             "route add default via " + std::string(kNodeIp),
             "route add default via " + std::string(kNodeIp6)});
    for (int i = 1; i <= 3; ++i) {
      const std::string net = "198.18." + std::to_string(i);
      const std::string net6 = "2001:db8:" + std::to_string(i) + "::";
      node_setup.push_back("address add " + net + ".1/24 dev p" + std::to_string(i));
      node_setup.push_back("address add " + net6 + "1/64 dev p" + std::to_string(i) + " nodad");
      IpBatch(
          dir, *pods[i - 1],
          {"address add " + net + ".2/24 dev eth0", "address add " + net6 + "2/64 dev eth0 nodad",
           "route add default via " + net + ".1", "route add default via " + net6 + "1"});
      const std::string name = "pod" + std::to_string(i);
      servers.push_back(std::make_unique<NameServer>(*pods[i - 1], net + ".2", 8080, name));
      servers.push_back(std::make_unique<NameServer>(*pods[i - 1], net6 + "2", 8080, name));
    }
    IpBatch(dir, node, node_setup);
    // DSR: the tunnelled packet arrives at the service port, not the target port.
    servers.push_back(std::make_unique<NameServer>(pod1, "0.0.0.0", 80, "pod1"));
    publisher = test::StartTestPublisher(dir.path() + "/bus");
  }

  TempDir dir;
  NetNs node{"node"}, client{"client"}, pod1{"pod1"}, pod2{"pod2"}, pod3{"pod3"};
  NetNs* pods[3] = {&pod1, &pod2, &pod3};
  VethPair client_link{client, "eth0", node, "eth-c"};
  VethPair pod1_link{pod1, "eth0", node, "p1"};
  VethPair pod2_link{pod2, "eth0", node, "p2"};
  VethPair pod3_link{pod3, "eth0", node, "p3"};
  std::vector<std::unique_ptr<NameServer>> servers;
  std::unique_ptr<bus::Publisher> publisher;
};

template <typename T>
void Publish(Cluster& cluster, const T& object) {
  REQUIRE(cluster.publisher->Upsert(object).ok());
}

model::Service ServiceOn(const std::string& name, const std::string& cluster_ip) {
  model::Service service = testing::MakeService(name, cluster_ip, 80);
  service.ports[0].target_port.number = 8080;
  return service;
}

// Endpoints of `name` on pods `pods` (1-based), with the node each pod is said to run on.
model::Endpoints EndpointsOn(const std::string& name,
                             const std::vector<std::pair<int, std::string>>& pods,
                             bool ipv6 = false) {
  std::vector<model::Endpoint> endpoints;
  for (const auto& [pod, node_name] : pods) {
    const std::string address =
        ipv6 ? "2001:db8:" + std::to_string(pod) + "::2" : "198.18." + std::to_string(pod) + ".2";
    endpoints.push_back(testing::MakeEndpoint(address, 8080, node_name));
  }
  return testing::MakeEndpoints(name, std::move(endpoints));
}

constexpr char kDsrIp[] = "203.0.113.30";

ipvs::IpAddress Ip(const std::string& text) {
  return ipvs::IpAddress::FromString(text);
}

// kube-router's DSR example: an external IP with kube-router.io/service.dsr=tunnel.
model::Service DsrService() {
  model::Service service = ServiceOn("dsr", "10.96.0.30");
  service.external_ips = {kDsrIp};
  service.annotations["kube-router.io/service.dsr"] = "tunnel";
  service.external_traffic_policy = "Local";
  return service;
}

// The node's rule for `mark` and table 78's local route, and pod1's tunnel with the IP.
bool DsrInPlace(const Cluster& cluster, uint32_t mark) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%x", mark);
  return Contains(cluster.node.ExecOrThrow({"ip", "rule"}),
                  std::string("32764:\tfrom all fwmark ") + hex + " lookup 78") &&
         Contains(cluster.node.ExecOrThrow({"ip", "route", "show", "table", "78"}),
                  "local default dev lo") &&
         Contains(cluster.pod1.Exec({"ip", "-o", "addr", "show", "dev", "kube-tunnel-if"}).output,
                  std::string("inet ") + kDsrIp + "/32");
}

// No DSR rule, no table 78 route, no tunnel in pod1.
bool DsrGone(const Cluster& cluster) {
  return !Contains(cluster.node.ExecOrThrow({"ip", "rule"}), "lookup 78") &&
         cluster.node.Exec({"ip", "route", "show", "table", "78"}).output.empty() &&
         !cluster.pod1.Exec({"ip", "link", "show", "kube-tunnel-if"}).ok();
}

std::string Metrics(const NetNs& node) {
  return HttpGet(node, "127.0.0.1", kMetricsPort, "/metrics");
}

// One node, one cluster, one kr-proxyd run after another: the scenarios follow each other
// (no Catch2 sections, which would rebuild the namespaces for every leaf; a VM run has a few
// minutes). Each scenario uses services of its own.
TEST_CASE("kr-proxyd programs IPVS from the bus and serves real traffic") {
  REQUIRE(g_proxyd_path != nullptr);
  Cluster cluster;
  NetNs& node = cluster.node;
  // A service and an iptables rule someone else made: proxyd must never touch them.
  node.ExecOrThrow({"ipvsadm", "-A", "-t", "203.0.113.5:9999", "-s", "wlc"});
  node.ExecOrThrow(
      {"iptables", "-t", "nat", "-A", "POSTROUTING", "-d", "203.0.113.99/32", "-j", "MASQUERADE"});

  Publish(cluster, testing::MakeNode({kNodeIp, kNodeIp6}));
  Publish(cluster, Nginx());
  Publish(cluster, NginxEndpoints(1));
  cluster.publisher->MarkInSync();
  auto proxyd = std::make_unique<Proxyd>(
      node, cluster.dir.path() + "/bus", cluster.dir.path() + "/proxyd.log",
      std::vector<std::string>{"--ipvs-graceful-termination", "--ipvs-graceful-period=5m",
                               "--cluster-cidr=198.18.0.0/16", "--enable-ipv6"});

  {
    INFO("seed walkthrough: one endpoint, TCP <clusterIP>:80 rr, Masq 1, real requests");
    REQUIRE(Eventually([&] {
      return Contains(IpvsText(node), "TCP 10.96.0.10:80 rr\n  -> 198.18.1.2:8080 Masq 1\n");
    }));
    const std::string ipvsadm = Squeeze(node.ExecOrThrow({"ipvsadm", "-Ln"}));
    INFO(ipvsadm);
    CHECK(Contains(ipvsadm, "TCP 10.96.0.10:80 rr\n"));
    CHECK(Contains(ipvsadm, "-> 198.18.1.2:8080 Masq 1 0 0"));
    CHECK(Contains(ipvsadm, "TCP 203.0.113.5:9999 wlc\n"));
    // The VIP was added before the IPVS writes of the same sync.
    auto shown = node.Exec({"ip", "-o", "addr", "show", "dev", "kube-dummy-if"});
    CHECK(Contains(shown.output, "inet 10.96.0.10/32"));
    CHECK(node.ExecOrThrow({"cat", "/proc/sys/net/ipv4/vs/conntrack"}) == "1\n");
    // --enable-ipv6: the node forwards IPv6 too (the IPv6 scenario below depends on it).
    CHECK(node.ExecOrThrow({"cat", "/proc/sys/net/ipv6/conf/all/forwarding"}) == "1\n");
    CHECK(AskOnce(cluster.client, kClusterIp, 80) == "pod1");
    // Without --masquerade-all a client outside the cluster keeps its address (the
    // --cluster-cidr rule leaves traffic to pods alone).
    CHECK(AskOnce(cluster.client, kClusterIp, 80, "who") == kClientIp);
  }
  {
    INFO("three endpoints: three destinations, round robin spreads requests");
    const auto published = std::chrono::steady_clock::now();
    Publish(cluster, NginxEndpoints(3));
    REQUIRE(Eventually([&] { return HasNginxWithThree(IpvsText(node)); }));
    // A figure for the report (emulated VM; includes the 50 ms polling step), not a check.
    std::fprintf(stderr, "endpoint change published -> seen in IPVS: %lld ms\n",
                 static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                            std::chrono::steady_clock::now() - published)
                                            .count()));
    auto counts = Spread(cluster.client, kClusterIp, 80, 30);
    INFO("pod1 " << counts["pod1"] << " pod2 " << counts["pod2"] << " pod3 " << counts["pod3"]);
    CHECK(counts.size() == 3);
    CHECK(counts["pod1"] == 10);  // rr: strict rotation over new connections
    CHECK(counts["pod2"] == 10);
    CHECK(counts["pod3"] == 10);
  }
  {
    INFO("a removed endpoint gets no new connections, an open one survives");
    std::vector<std::unique_ptr<Connection>> open;
    std::optional<size_t> to_pod3;
    for (size_t i = 0; i < 3; ++i) {
      open.push_back(std::make_unique<Connection>(cluster.client, kClusterIp, 80));
      if (open.back()->Ask() == "pod3") to_pod3 = i;
    }
    REQUIRE(to_pod3.has_value());
    Publish(cluster, NginxEndpoints(2));
    REQUIRE(Eventually([&] { return Contains(IpvsText(node), "  -> 198.18.3.2:8080 Masq 0\n"); }));
    auto after = Spread(cluster.client, kClusterIp, 80, 20);
    CHECK(after["pod3"] == 0);
    CHECK(after["pod1"] + after["pod2"] == 20);
    CHECK(open[*to_pod3]->Ask() == "pod3");
    Publish(cluster, NginxEndpoints(3));  // back to three, at weight 1
    REQUIRE(Eventually([&] { return HasNginxWithThree(IpvsText(node)); }));
  }
  {
    INFO("sessionAffinity ClientIP: persistent 10800, one client stays on one pod");
    model::Service sticky = ServiceOn("sticky", "10.96.0.11");
    sticky.session_affinity = "ClientIP";
    Publish(cluster, sticky);
    Publish(cluster, EndpointsOn("sticky", {{1, "node-a"}, {2, "node-a"}, {3, "node-a"}}));
    REQUIRE(Eventually([&] {
      return Contains(IpvsText(node), "TCP 10.96.0.11:80 rr persistent 10800\n") &&
             DestinationsOf(IpvsText(node), "TCP 10.96.0.11:80 rr persistent 10800").size() == 3;
    }));
    CHECK(Spread(cluster.client, "10.96.0.11", 80, 10).size() == 1);
  }
  {
    INFO("NodePort also on the node IP, with real requests to it; dh scheduler annotation");
    model::Service nodeport = ServiceOn("np", "10.96.0.12");
    nodeport.type = "NodePort";
    nodeport.ports[0].node_port = 30080;
    nodeport.annotations["kube-router.io/service.scheduler"] = "dh";
    Publish(cluster, nodeport);
    Publish(cluster, EndpointsOn("np", {{1, "node-a"}}));
    REQUIRE(Eventually([&] {
      return Contains(IpvsText(node), "TCP 192.0.2.1:30080 dh\n  -> 198.18.1.2:8080 Masq 1\n");
    }));
    CHECK(Contains(IpvsText(node), "TCP 10.96.0.12:80 dh\n"));
    CHECK(AskOnce(cluster.client, kNodeIp, 30080) == "pod1");
    CHECK(AskOnce(cluster.client, "10.96.0.12", 80) == "pod1");
  }
  {
    INFO("a deleted service goes, with its VIP; the foreign one stays");
    REQUIRE(cluster.publisher->Delete(bus::Topic::kServices, "default/np").ok());
    REQUIRE(Eventually([&] { return !Contains(IpvsText(node), "10.96.0.12"); }));
    REQUIRE(Eventually([&] {
      return !Contains(node.ExecOrThrow({"ip", "-o", "addr", "show", "dev", "kube-dummy-if"}),
                       "10.96.0.12");
    }));
    CHECK(Contains(IpvsText(node), "TCP 203.0.113.5:9999 wlc"));
  }
  {
    INFO("externalTrafficPolicy Local: the NodePort sends only to this node's endpoints");
    model::Service local = ServiceOn("local", "10.96.0.13");
    local.type = "NodePort";
    local.ports[0].node_port = 30081;
    local.external_traffic_policy = "Local";
    Publish(cluster, local);
    Publish(cluster, EndpointsOn("local", {{1, "node-a"}, {2, "node-b"}}));
    REQUIRE(Eventually([&] {
      const std::string text = IpvsText(node);
      return DestinationsOf(text, "TCP 192.0.2.1:30081 rr") ==
                 std::vector<std::string>{"  -> 198.18.1.2:8080 Masq 1"} &&
             DestinationsOf(text, "TCP 10.96.0.13:80 rr").size() == 2;
    }));
    auto via_node_port = Spread(cluster.client, kNodeIp, 30081, 10);
    CHECK(via_node_port == std::map<std::string, int>{{"pod1", 10}});
    auto via_cluster_ip = Spread(cluster.client, "10.96.0.13", 80, 10);
    CHECK(via_cluster_ip == std::map<std::string, int>{{"pod1", 5}, {"pod2", 5}});
  }
  {
    INFO("hairpin: a pod reaches itself through its service, seeing the VIP as the client");
    model::Service hairpin = ServiceOn("hairpin", "10.96.0.14");
    hairpin.annotations["kube-router.io/service.hairpin"] = "";
    Publish(cluster, hairpin);
    Publish(cluster, EndpointsOn("hairpin", {{1, "node-a"}}));
    REQUIRE(Eventually([&] {
      return Contains(node.ExecOrThrow({"iptables-save", "-t", "nat"}),
                      "-A KR-PROXY-HAIRPIN -s 198.18.1.2/32 -d 198.18.1.2/32 -p tcp -m ipvs "
                      "--vaddr 10.96.0.14 --vport 80 -j SNAT --to-source 10.96.0.14");
    }));
    CHECK(Contains(IpvsText(node), "TCP 10.96.0.14:80 rr\n  -> 198.18.1.2:8080 Masq 1\n"));
    CHECK(AskOnce(cluster.pod1, "10.96.0.14", 80) == "pod1");
    CHECK(AskOnce(cluster.pod1, "10.96.0.14", 80, "who") == "10.96.0.14");
  }
  {
    INFO("bad input: each bad service is skipped with a log line and a metric, others stay");
    model::Service bad_scheduler = ServiceOn("bad-scheduler", "10.96.0.21");
    bad_scheduler.annotations["kube-router.io/service.scheduler"] = "fastest";
    model::Service bad_port = ServiceOn("bad-port", "10.96.0.22");
    bad_port.ports[0].port = 70000;
    model::Service bad_external = ServiceOn("bad-external", "10.96.0.23");
    bad_external.external_ips = {"203.0.113.300"};
    for (const auto* service : {&bad_scheduler, &bad_port, &bad_external}) {
      Publish(cluster, *service);
      Publish(cluster, EndpointsOn(service->name, {{1, "node-a"}}));
    }
    Publish(cluster, ServiceOn("good", "10.96.0.24"));
    Publish(cluster, EndpointsOn("good", {{2, "node-a"}}));
    REQUIRE(Eventually([&] {
      return Contains(IpvsText(node), "TCP 10.96.0.24:80 rr\n  -> 198.18.2.2:8080 Masq 1\n");
    }));
    REQUIRE(Eventually([&] { return Contains(Metrics(node), "\nkr_proxyd_service_errors 3\n"); }));
    const std::string ipvs = IpvsText(node);
    CHECK_FALSE(Contains(ipvs, "10.96.0.21"));
    CHECK_FALSE(Contains(ipvs, "10.96.0.22"));
    CHECK_FALSE(Contains(ipvs, "10.96.0.23"));
    CHECK(HasNginxWithThree(ipvs));
    CHECK(Contains(ipvs, "TCP 10.96.0.14:80 rr"));
    CHECK(AskOnce(cluster.client, "10.96.0.24", 80) == "pod2");
    const std::string log = proxyd->Log();
    CHECK(Contains(log, "service default/bad-scheduler skipped: "));
    CHECK(Contains(log, "fastest"));
    CHECK(Contains(log, "service default/bad-port skipped: port \"\": port 70000 out of range"));
    CHECK(Contains(log, "service default/bad-external skipped: externalIP \"203.0.113.300\""));
  }
  {
    INFO("healthCheckNodePort: 200 with local endpoints, 503 without");
    model::Service lb = ServiceOn("lb", "10.96.0.15");
    lb.type = "LoadBalancer";
    lb.ports[0].node_port = 30082;
    lb.external_traffic_policy = "Local";
    lb.health_check_node_port = 30999;
    Publish(cluster, lb);
    Publish(cluster, EndpointsOn("lb", {{1, "node-a"}, {2, "node-b"}}));
    std::string reply;
    REQUIRE(Eventually([&] {
      try {
        reply = HttpGet(cluster.client, kNodeIp, 30999, "/healthz");
      } catch (const std::exception& e) {
        reply = e.what();  // not listening yet
      }
      return Contains(reply, "HTTP/1.1 200");
    }));
    INFO(reply);
    CHECK(Contains(reply, "X-Load-Balancing-Endpoint-Weight: 1\r\n"));
    // The same port answers on the node's IPv6 address (one dual-stack socket).
    CHECK(Contains(HttpGet(cluster.client, kNodeIp6, 30999, "/healthz"), "HTTP/1.1 200"));
    CHECK(Contains(reply,
                   "\r\n\r\n{\n\t\"service\": {\n\t\t\"namespace\": \"default\",\n\t\t"
                   "\"name\": \"lb\"\n\t},\n\t\"localEndpoints\": 1,\n\t"
                   "\"serviceProxyHealthy\": true\n}"));
    Publish(cluster, EndpointsOn("lb", {{2, "node-b"}}));
    REQUIRE(Eventually(
        [&] { return Contains(HttpGet(cluster.client, kNodeIp, 30999, "/"), "HTTP/1.1 503"); }));
  }
  {
    INFO("IPv6: a ClusterIP of its own family with IPv6 endpoints, real traffic");
    Publish(cluster, ServiceOn("v6", "2001:db8:96::10"));
    Publish(cluster, EndpointsOn("v6", {{1, "node-a"}, {2, "node-a"}}, /*ipv6=*/true));
    REQUIRE(Eventually(
        [&] { return DestinationsOf(IpvsText(node), "TCP [2001:db8:96::10]:80 rr").size() == 2; }));
    CHECK(Contains(IpvsText(node), "  -> [2001:db8:1::2]:8080 Masq 1\n"));
    CHECK(Contains(IpvsText(node), "  -> [2001:db8:2::2]:8080 Masq 1\n"));
    CHECK(Contains(node.ExecOrThrow({"ip", "-o", "addr", "show", "dev", "kube-dummy-if"}),
                   "inet6 2001:db8:96::10/128"));
    auto counts = Spread(cluster.client, "2001:db8:96::10", 80, 10);
    CHECK(counts == std::map<std::string, int>{{"pod1", 5}, {"pod2", 5}});
    CHECK(AskOnce(cluster.client, "2001:db8:96::10", 80, "who") == kClientIp6);
  }
  const uint32_t dsr_mark = DsrFwmarkHash(Ip(kDsrIp), ipvs::Protocol::kTcp, 80);
  {
    INFO("DSR: the external IP reaches pod1 through an IPIP tunnel, pod1 answers directly");
    Publish(cluster, DsrService());
    Publish(cluster, EndpointsOn("dsr", {{1, "node-a"}, {2, "node-b"}}));
    // Counts the replies the node forwards from the external IP to the client (a rule of the
    // test's own, removed below).
    const std::vector<std::string> reply_counter = {
        "FORWARD", "-s", kDsrIp, "-d", kClientIp, "-p", "tcp", "--sport", "80", "-j", "ACCEPT"};
    std::vector<std::string> insert = {"iptables", "-I"};
    insert.insert(insert.end(), reply_counter.begin(), reply_counter.end());
    node.ExecOrThrow(insert);
    REQUIRE(Eventually([&] { return DsrInPlace(cluster, dsr_mark); }));
    // externalTrafficPolicy Local: only this node's endpoint (another node's kr-proxyd would
    // prepare its own pods).
    CHECK(DestinationsOf(IpvsText(node), "FWM " + std::to_string(dsr_mark) + " IPv4 rr") ==
          std::vector<std::string>{"  -> 198.18.1.2:8080 Tunnel 1"});
    // The external IP is on no node interface ("VIP-less director").
    CHECK_FALSE(Contains(node.ExecOrThrow({"ip", "-o", "addr"}), kDsrIp));
    const std::string pod_address = cluster.pod1.ExecOrThrow({"ip", "-o", "addr", "show"});
    INFO(pod_address);
    CHECK(Contains(pod_address, "kube-tunnel-if    inet 203.0.113.30/32"));
    CHECK(cluster.pod1.ExecOrThrow({"cat", "/proc/sys/net/ipv4/conf/kube-tunnel-if/rp_filter"}) ==
          "0\n");
    // Not on the remote endpoint's pod.
    CHECK_FALSE(cluster.pod2.Exec({"ip", "link", "show", "kube-tunnel-if"}).ok());

    // Real traffic. The backend sees the client's own address, and the external IP as the
    // address it was reached at: IPVS tunnelled the original packet, no NAT. Its replies leave
    // the pod from the external IP and the node merely forwards them (the counter rule sees
    // them; masquerading would show them from 198.18.1.2:8080 there).
    CHECK(AskOnce(cluster.client, kDsrIp, 80, "who") == kClientIp);
    CHECK(AskOnce(cluster.client, kDsrIp, 80, "local") == kDsrIp);
    for (int i = 0; i < 3; ++i) CHECK(AskOnce(cluster.client, kDsrIp, 80) == "pod1");
    const std::string filter = node.ExecOrThrow({"iptables-save", "-c", "-t", "filter"});
    INFO(filter);
    const size_t rule = filter.find(std::string("-A FORWARD -s ") + kDsrIp + "/32 -d " + kClientIp +
                                    "/32 -p tcp -m tcp --sport 80 -j ACCEPT");
    REQUIRE(rule != std::string::npos);
    const size_t line_start = filter.rfind('\n', rule) + 1;
    const long forwarded_replies = std::stol(filter.substr(line_start + 1));  // "[pkts:bytes]"
    CHECK(forwarded_replies >= 5 * 2);  // at least SYN-ACK and the answer per connection
    std::vector<std::string> remove = {"iptables", "-D"};
    remove.insert(remove.end(), reply_counter.begin(), reply_counter.end());
    node.ExecOrThrow(remove);

    INFO("deleting the DSR service removes its rule, the table route and the pod's tunnel");
    REQUIRE(cluster.publisher->Delete(bus::Topic::kServices, "default/dsr").ok());
    REQUIRE(Eventually([&] { return DsrGone(cluster); }));
    CHECK_FALSE(Contains(IpvsText(node), "FWM"));

    // Back again, for --cleanup-config at the end to remove.
    Publish(cluster, DsrService());
    REQUIRE(Eventually([&] { return DsrInPlace(cluster, dsr_mark); }));
    CHECK(AskOnce(cluster.client, kDsrIp, 80, "who") == kClientIp);
  }
  {
    INFO(
        "restart during steady traffic (now with --masquerade-all): no destination removed, an "
        "open connection keeps working, every request answered");
    Connection open(cluster.client, kClusterIp, 80);
    const std::string first = open.Ask();
    const std::string before = IpvsText(node);
    std::atomic<bool> stop{false};
    std::atomic<int> answered{0}, failed{0};
    std::thread traffic([&] {
      while (!stop.load()) {
        try {
          const std::string answer = AskOnce(cluster.client, kClusterIp, 80);
          (answer.starts_with("pod") ? answered : failed)++;
        } catch (const std::exception&) {
          failed++;
        }
      }
    });
    const int stopped = proxyd->Stop();
    const std::string while_stopped = IpvsText(node);
    proxyd = std::make_unique<Proxyd>(
        node, cluster.dir.path() + "/bus", cluster.dir.path() + "/proxyd.log",
        std::vector<std::string>{"--ipvs-graceful-termination", "--ipvs-graceful-period=5m",
                                 "--cluster-cidr=198.18.0.0/16", "--enable-ipv6",
                                 "--masquerade-all"});
    // A change after the restart shows that the new process synced.
    Publish(cluster, ServiceOn("after-restart", "10.96.0.20"));
    const bool synced =
        Eventually([&] { return Contains(IpvsText(node), "TCP 10.96.0.20:80 rr"); });
    stop = true;
    traffic.join();
    CHECK(stopped == 0);
    CHECK(while_stopped == before);
    REQUIRE(synced);
    INFO("answered " << answered.load() << ", failed " << failed.load());
    CHECK(failed.load() == 0);
    CHECK(answered.load() > 0);
    CHECK(HasNginxWithThree(IpvsText(node)));
    CHECK(open.Ask() == first);

    INFO("masquerade-all: the backend sees the node's address");
    REQUIRE(Eventually([&] {
      return Contains(node.ExecOrThrow({"iptables-save", "-t", "nat"}),
                      "-A KR-PROXY-POSTROUTING -m ipvs --vdir ORIGINAL --vmethod MASQ -j SNAT "
                      "--to-source 192.0.2.1 --random-fully");
    }));
    CHECK(AskOnce(cluster.client, kClusterIp, 80, "who") == kNodeIp);
    // The open connection keeps its original addresses (NAT is decided per connection).
    CHECK(open.Ask("who") == kClientIp);
  }
  {
    INFO("--cleanup-config removes exactly what proxyd owns");
    CHECK(proxyd->Stop() == 0);
    auto cleanup = node.Exec({g_proxyd_path, "--cleanup-config",
                              "--service-cluster-ip-range=10.96.0.0/16", "--health-port=0"});
    INFO(cleanup.output);
    CHECK(cleanup.ok());
    CHECK(IpvsText(node) == "TCP 203.0.113.5:9999 wlc\n");
    CHECK_FALSE(node.Exec({"ip", "link", "show", "kube-dummy-if"}).ok());
    const std::string nat = node.ExecOrThrow({"iptables-save", "-t", "nat"});
    INFO(nat);
    CHECK_FALSE(Contains(nat, "KR-PROXY"));
    CHECK(Contains(nat, "-A POSTROUTING -d 203.0.113.99/32 -j MASQUERADE"));
    CHECK_FALSE(Contains(node.ExecOrThrow({"ip6tables-save", "-t", "nat"}), "KR-PROXY"));
    CHECK(DsrGone(cluster));
    CHECK_FALSE(Contains(node.ExecOrThrow({"iptables-save", "-t", "mangle"}), "KR-PROXY"));
  }
}

}  // namespace
}  // namespace kr::proxyd

int main(int argc, char** argv) {
  if (geteuid() != 0) return 77;
  if (argc < 2) {
    fprintf(stderr, "usage: %s <kr-proxyd path> [catch2 args]\n", argv[0]);
    return 2;
  }
  kr::proxyd::g_proxyd_path = argv[1];
  signal(SIGPIPE, SIG_IGN);
  std::vector<char*> rest = {argv[0]};
  for (int i = 2; i < argc; ++i) rest.push_back(argv[i]);
  return Catch::Session().run(static_cast<int>(rest.size()), rest.data());
}
