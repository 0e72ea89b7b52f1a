// kr-proxyd with real traffic (vm tier: the host kernel has no IPVS). Run inside the VM by
// test/vm's runner with the daemon's path:
//   <builddir>/test/vm/vm-run -- <builddir>/services/proxyd/proxyd_vm_test <kr-proxyd path>
//
//   client  eth0 192.0.2.2/24 ---- node  eth-c 192.0.2.1/24 (kr-proxyd, IPVS, kube-dummy-if)
//                                        p1 198.18.1.1/24 ---- pod1 eth0 198.18.1.2/24 :8080
//                                        p2 198.18.2.1/24 ---- pod2 ...                :8080
//                                        p3 198.18.3.1/24 ---- pod3 ...                :8080
// The client routes everything via the node and the pods route back via it, so IPVS's NAT
// (Masq) needs no SNAT. The test publishes Service/Endpoints/Node objects on an in-process bus
// publisher; the real kr-proxyd binary, started in the node namespace, programs IPVS from it.
// Each pod runs a tiny TCP server answering every line with its own name.
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
#include <thread>

#include "common/bus/publisher.h"
#include "common/ipvs/netlink_ipvs_kernel.h"
#include "services/proxyd/core/test_fixtures.h"
#include "test/support/netns.h"

extern char** environ;

namespace kr::proxyd {
namespace {

using test::NetNs;
using test::UniqueFd;
using test::VethPair;
using namespace std::chrono_literals;

const char* g_proxyd_path = nullptr;  // argv[1]

constexpr char kClusterIp[] = "10.96.0.10";
constexpr char kNodeIp[] = "192.0.2.1";
constexpr char kClientIp[] = "192.0.2.2";

sockaddr_in Address(const std::string& ip, uint16_t port) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  inet_pton(AF_INET, ip.c_str(), &sin.sin_addr);
  return sin;
}

// A TCP server in a pod: every line it receives is answered with "<name>\n"; connections
// stay open until the client closes them. One thread, poll() over everything.
class NameServer {
 public:
  NameServer(const NetNs& ns, const std::string& ip, uint16_t port, std::string name)
      : name_(std::move(name)), stop_(eventfd(0, EFD_CLOEXEC)) {
    listener_ = ns.Run([&] {
      UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
      int one = 1;
      setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      const sockaddr_in sin = Address(ip, port);
      if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&sin), sizeof sin) != 0 ||
          listen(fd.get(), 64) != 0) {
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
        const std::string reply = name_ + "\n";
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
      UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
      timeval timeout{5, 0};  // bounds a broken path; not a synchronization
      setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
      setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      const sockaddr_in sin = Address(ip, port);
      if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&sin), sizeof sin) != 0) {
        throw std::runtime_error("connect " + ip + ":" + std::to_string(port) + ": " +
                                 std::strerror(errno));
      }
      return fd;
    });
  }
  std::string Ask() {
    if (write(fd_.get(), "hi\n", 3) != 3) return "write failed";
    std::string answer;
    char c;
    while (read(fd_.get(), &c, 1) == 1 && c != '\n') answer += c;
    return answer;
  }

 private:
  UniqueFd fd_;
};

std::string AskOnce(const NetNs& ns, const std::string& ip, uint16_t port) {
  Connection connection(ns, ip, port);
  return connection.Ask();
}

std::map<std::string, int> Spread(const NetNs& ns, const std::string& ip, uint16_t port,
                                  int requests) {
  std::map<std::string, int> counts;
  for (int i = 0; i < requests; ++i) ++counts[AskOnce(ns, ip, port)];
  return counts;
}

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/kr-proxyd-vm-XXXXXX";
    if (!mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
    path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::string path;
};

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
                                     "--health-port=0",
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

struct Cluster {
  Cluster() {
    client.AddAddress("eth0", std::string(kClientIp) + "/24");
    node.AddAddress("eth-c", std::string(kNodeIp) + "/24");
    client.ExecOrThrow({"ip", "route", "add", "default", "via", kNodeIp});
    for (int i = 1; i <= 3; ++i) {
      const std::string net = "198.18." + std::to_string(i);
      node.AddAddress("p" + std::to_string(i), net + ".1/24");
      pods[i - 1]->AddAddress("eth0", net + ".2/24");
      pods[i - 1]->ExecOrThrow({"ip", "route", "add", "default", "via", net + ".1"});
      servers.push_back(
          std::make_unique<NameServer>(*pods[i - 1], net + ".2", 8080, "pod" + std::to_string(i)));
    }
    bus::PublisherOptions options;
    options.address = bus::BusAddress::InDirectory(dir.path + "/bus");
    options.bus_directory = dir.path + "/bus";
    options.heartbeat_interval = 200ms;
    auto created = bus::Publisher::Create(options);
    if (!created) throw std::runtime_error("publisher: " + created.error().message);
    publisher = std::move(*created);
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

TEST_CASE("kr-proxyd programs IPVS from the bus and serves real traffic") {
  REQUIRE(g_proxyd_path != nullptr);
  Cluster cluster;
  NetNs& node = cluster.node;
  // A service someone else made: proxyd must never touch it.
  node.ExecOrThrow({"ipvsadm", "-A", "-t", "203.0.113.5:9999", "-s", "wlc"});

  Publish(cluster, testing::MakeNode({kNodeIp}));
  Publish(cluster, Nginx());
  Publish(cluster, NginxEndpoints(1));
  cluster.publisher->MarkInSync();
  Proxyd proxyd(node, cluster.dir.path + "/bus", cluster.dir.path + "/proxyd.log",
                {"--ipvs-graceful-termination", "--ipvs-graceful-period=5m"});

  SECTION("seed walkthrough: one endpoint, TCP <clusterIP>:80 rr, Masq 1, real requests") {
    REQUIRE(Eventually([&] {
      return Contains(IpvsText(node), "TCP 10.96.0.10:80 rr\n  -> 198.18.1.2:8080 Masq 1\n");
    }));
    const std::string ipvsadm = Squeeze(node.ExecOrThrow({"ipvsadm", "-Ln"}));
    INFO(ipvsadm);
    CHECK(Contains(ipvsadm, "TCP 10.96.0.10:80 rr\n"));
    CHECK(Contains(ipvsadm, "-> 198.18.1.2:8080 Masq 1 0 0"));
    CHECK(Contains(ipvsadm, "TCP 203.0.113.5:9999 wlc\n"));
    // The VIP follows the IPVS writes in the same sync: wait for it too.
    REQUIRE(Eventually([&] {
      auto shown = node.Exec({"ip", "-o", "addr", "show", "dev", "kube-dummy-if"});
      return shown.ok() && Contains(shown.output, "inet 10.96.0.10/32");
    }));
    CHECK(node.ExecOrThrow({"cat", "/proc/sys/net/ipv4/vs/conntrack"}) == "1\n");
    CHECK(AskOnce(cluster.client, kClusterIp, 80) == "pod1");

    SECTION("three endpoints: three destinations, round robin spreads requests") {
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

      SECTION("a removed endpoint gets no new connections, an open one survives") {
        std::vector<std::unique_ptr<Connection>> open;
        std::optional<size_t> to_pod3;
        for (size_t i = 0; i < 3; ++i) {
          open.push_back(std::make_unique<Connection>(cluster.client, kClusterIp, 80));
          if (open.back()->Ask() == "pod3") to_pod3 = i;
        }
        REQUIRE(to_pod3.has_value());
        Publish(cluster, NginxEndpoints(2));
        REQUIRE(
            Eventually([&] { return Contains(IpvsText(node), "  -> 198.18.3.2:8080 Masq 0\n"); }));
        auto after = Spread(cluster.client, kClusterIp, 80, 20);
        CHECK(after["pod3"] == 0);
        CHECK(after["pod1"] + after["pod2"] == 20);
        CHECK(open[*to_pod3]->Ask() == "pod3");
      }

      SECTION("restarting kr-proxyd removes no destination, open connections keep working") {
        Connection open(cluster.client, kClusterIp, 80);
        const std::string first = open.Ask();
        const std::string before = IpvsText(node);
        CHECK(proxyd.Stop() == 0);
        CHECK(IpvsText(node) == before);
        Proxyd again(node, cluster.dir.path + "/bus", cluster.dir.path + "/proxyd.log");
        // A change after the restart shows that the new process synced.
        model::Service other = testing::MakeService("other", "10.96.0.20", 81);
        Publish(cluster, other);
        REQUIRE(Eventually([&] { return Contains(IpvsText(node), "TCP 10.96.0.20:81 rr"); }));
        CHECK(HasNginxWithThree(IpvsText(node)));
        CHECK(open.Ask() == first);
        CHECK(again.Stop() == 0);
      }
    }

    SECTION("sessionAffinity ClientIP: persistent 10800, one client stays on one pod") {
      Publish(cluster, NginxEndpoints(3));
      model::Service sticky = Nginx();
      sticky.session_affinity = "ClientIP";
      Publish(cluster, sticky);
      REQUIRE(Eventually([&] {
        return Contains(IpvsText(node), "TCP 10.96.0.10:80 rr persistent 10800\n") &&
               Contains(IpvsText(node), "198.18.3.2:8080 Masq 1");
      }));
      auto counts = Spread(cluster.client, kClusterIp, 80, 10);
      CHECK(counts.size() == 1);
    }

    SECTION("NodePort also on the node IP, with real requests to it") {
      model::Service nodeport = Nginx();
      nodeport.type = "NodePort";
      nodeport.ports[0].node_port = 30080;
      Publish(cluster, nodeport);
      REQUIRE(Eventually([&] {
        return Contains(IpvsText(node), "TCP 192.0.2.1:30080 rr\n  -> 198.18.1.2:8080 Masq 1\n");
      }));
      CHECK(Contains(IpvsText(node), "TCP 10.96.0.10:80 rr\n"));
      CHECK(AskOnce(cluster.client, kNodeIp, 30080) == "pod1");
    }

    SECTION("the scheduler annotation changes the scheduler") {
      model::Service dh = Nginx();
      dh.annotations["kube-router.io/service.scheduler"] = "dh";
      Publish(cluster, dh);
      REQUIRE(Eventually([&] { return Contains(IpvsText(node), "TCP 10.96.0.10:80 dh\n"); }));
      CHECK(AskOnce(cluster.client, kClusterIp, 80) == "pod1");
    }

    SECTION("a deleted service goes, with its VIP; the foreign one stays") {
      REQUIRE(cluster.publisher->Delete(bus::Topic::kServices, "default/nginx").ok());
      REQUIRE(Eventually([&] { return !Contains(IpvsText(node), "10.96.0.10"); }));
      REQUIRE(Eventually([&] {
        return !Contains(node.ExecOrThrow({"ip", "-o", "addr", "show", "dev", "kube-dummy-if"}),
                         "10.96.0.10");
      }));
      CHECK(Contains(IpvsText(node), "TCP 203.0.113.5:9999 wlc"));
    }

    SECTION("--cleanup-config removes exactly what proxyd owns") {
      CHECK(proxyd.Stop() == 0);
      auto cleanup = node.Exec({g_proxyd_path, "--cleanup-config",
                                "--service-cluster-ip-range=10.96.0.0/16", "--health-port=0"});
      INFO(cleanup.output);
      CHECK(cleanup.ok());
      CHECK(IpvsText(node) == "TCP 203.0.113.5:9999 wlc\n");
      CHECK_FALSE(node.Exec({"ip", "link", "show", "kube-dummy-if"}).ok());
    }
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
