// The real kr-policyd binary end to end: an in-process bus Publisher (temporary ipc
// directory) feeds it Pods, Namespaces and NetworkPolicies; the daemon runs inside a fresh
// node network namespace (`ip netns exec`); real packets between pod namespaces show that a
// deny-all ingress policy published on the bus blocks traffic and that deleting it restores
// it; --cleanup-config then leaves the node's tables as they were before the daemon (a foreign
// rule survives).
//
// The binary's path comes from the KR_POLICYD environment variable (set by meson).
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "common/bus/publisher.h"
#include "services/policyd/core/test_objects.h"
#include "test/privileged/netpol/pod_network.h"
#include "test/support/netns.h"
#include "test/support/temp_dir.h"
#include "test/support/test_publisher.h"

extern char** environ;

namespace kr::policyd {
namespace {

using namespace testing;
using netpol_test::PodEndpoint;
using netpol_test::PodNetwork;
using netpol_test::ProbePort;
using test::TempDir;

const ProbePort kTcp80{80, "TCP"};

// A temporary directory, removed with its contents.
// A child process, ended by its pid (SIGTERM, then SIGKILL if it lingers) on destruction.
class Child {
 public:
  explicit Child(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    if (int err = posix_spawnp(&pid_, args[0], nullptr, nullptr, args.data(), environ); err != 0) {
      throw std::runtime_error("spawn " + argv[0] + " failed");
    }
  }
  ~Child() {
    if (pid_ > 0) Stop();
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // SIGTERM, wait up to 10 s, then SIGKILL. Returns the exit status (-1: killed by a signal).
  int Stop() {
    kill(pid_, SIGTERM);
    int status = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  bool Running() const {
    int status = 0;
    return pid_ > 0 && waitpid(pid_, &status, WNOHANG) == 0;
  }

 private:
  pid_t pid_ = -1;
};

// Polls `condition` until it holds or `timeout` passes: the daemon's work is observed, not
// waited for blindly.
bool Eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

// iptables-save without comments, COMMIT lines' neighbours and counters, for comparing
// tables before and after.
std::string Normalized(const std::string& saved) {
  std::istringstream in(saved);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    line = std::regex_replace(line, std::regex(R"( \[\d+:\d+\])"), "");
    out += line + "\n";
  }
  return out;
}

std::string PolicydBinary() {
  const char* path = std::getenv("KR_POLICYD");
  if (path == nullptr) throw std::runtime_error("KR_POLICYD is not set");
  return path;
}

TEST_CASE("kr-policyd enforces bus policies on real packets and cleans up exactly") {
  const std::string binary = PolicydBinary();
  std::vector<model::Pod> pods = {MakePod("x", "a", {{"pod", "a"}}, "198.51.100.11"),
                                  MakePod("x", "b", {{"pod", "b"}}, "198.51.100.12")};
  PodNetwork network({{"x", "a", "198.51.100.11"}, {"x", "b", "198.51.100.12"}});
  const test::NetNs& node = network.node();

  // Another owner's chain and jump, which the daemon must leave alone.
  node.ExecOrThrow({"iptables", "-N", "FOREIGN"});
  node.ExecOrThrow({"iptables", "-A", "FOREIGN", "-s", "203.0.113.0/24", "-j", "ACCEPT"});
  node.ExecOrThrow({"iptables", "-A", "FORWARD", "-s", "203.0.113.0/24", "-j", "FOREIGN"});
  const std::string before = Normalized(node.ExecOrThrow({"iptables-save"}));

  TempDir bus_dir;
  auto started = test::StartTestPublisher(bus_dir.path());
  bus::Publisher& publisher = *started;
  REQUIRE(publisher.Upsert(MakeNamespace("x", {{"ns", "x"}})).ok());
  for (const model::Pod& pod : pods) REQUIRE(publisher.Upsert(pod).ok());
  publisher.MarkInSync();

  REQUIRE(network.ProbeOne(0, 1, kTcp80, 300));  // no firewall yet

  {
    Child daemon({"ip", "netns", "exec", node.name(), binary, "--bus-dir=" + bus_dir.path(),
                  "--hostname-override=node-1", "--health-port=0", "--iptables-sync-period=5m"});
    // The daemon's top-level chain in place: the snapshot was applied and synced.
    REQUIRE(Eventually([&] {
      return node.ExecOrThrow({"iptables-save", "-t", "filter"}).find(":KR-POL-") !=
             std::string::npos;
    }));
    CHECK(network.ProbeOne(0, 1, kTcp80, 300));  // not isolated: still reachable

    // Deny all ingress in x.
    REQUIRE(publisher.Upsert(MakePolicy("x", "deny-all", Labels({}), {"Ingress"})).ok());
    CHECK(Eventually([&] { return !network.ProbeOne(0, 1, kTcp80, 200); }));
    CHECK(!network.ProbeOne(1, 0, kTcp80, 200));
    CHECK(daemon.Running());

    // Deleting the policy restores traffic.
    REQUIRE(publisher.Delete(bus::Topic::kNetworkPolicies, "x/deny-all").ok());
    CHECK(Eventually([&] { return network.ProbeOne(0, 1, kTcp80, 300); }));
    CHECK(network.ProbeOne(1, 0, kTcp80, 300));

    CHECK(daemon.Stop() == 0);
  }

  // The daemon leaves its state behind on a normal stop; --cleanup-config removes exactly it.
  CHECK(node.ExecOrThrow({"iptables-save"}).find("KR-POL-") != std::string::npos);
  test::CommandResult cleanup = node.Exec(
      {binary, "--cleanup-config", "--hostname-override=node-1", "--bus-dir=" + bus_dir.path()});
  INFO(cleanup.output);
  REQUIRE(cleanup.ok());
  CHECK(Normalized(node.ExecOrThrow({"iptables-save"})) == before);
  CHECK(node.ExecOrThrow({"ipset", "list", "-n"}).find("KR-POL-") == std::string::npos);
}

}  // namespace
}  // namespace kr::policyd
