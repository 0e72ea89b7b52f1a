// Pod egress against the real kernel (privileged tier: root, fresh network namespaces), with
// both iptables backends. A pod behind a node reaches three places; the listener there says
// which source address it saw (getpeername of the accepted connection):
//
//   pod 198.18.1.2 --- 198.18.1.1 node 203.0.113.1 --- 203.0.113.2 outside (+ 203.0.113.3,
//                        |                                          "another node's IP")
//                      198.18.2.1 --- 198.18.2.2 peer (a pod of another node's pod CIDR)
//
// Outside routes 198.18.0.0/15 back to the node, so connections work with or without
// masquerading and only the source address tells them apart.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <memory>
#include <string>

#include "common/ipset/libipset_client.h"
#include "common/iptables/xtables_runner.h"
#include "services/routed/egress/egress_names.h"
#include "services/routed/egress/egress_syncer.h"
#include "test/support/netns.h"

namespace kr::routed::egress {
namespace {

using route::IpAddress;
using route::IpPrefix;
using test::NetNs;
using test::UniqueFd;

constexpr uint16_t kPort = 9191;

sockaddr_in Address(const std::string& ip, uint16_t port) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  inet_pton(AF_INET, ip.c_str(), &sin.sin_addr);
  return sin;
}

UniqueFd Listen(const NetNs& ns) {
  return ns.Run([] {
    UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const int on = 1;
    setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    const sockaddr_in any = Address("0.0.0.0", kPort);
    if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&any), sizeof any) != 0 ||
        listen(fd.get(), 8) != 0) {
      throw std::runtime_error(std::string("listen: ") + std::strerror(errno));
    }
    return fd;
  });
}

// Connects from the pod to ip:kPort and returns the source address the listener saw.
std::string SourceSeen(const NetNs& pod, const UniqueFd& listener, const std::string& ip) {
  UniqueFd client = pod.Run([&] {
    UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    timeval timeout{5, 0};  // a bound for a broken path, not a synchronization
    setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    const sockaddr_in remote = Address(ip, kPort);
    if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&remote), sizeof remote) != 0) {
      throw std::runtime_error("connect " + ip + ": " + std::strerror(errno));
    }
    return fd;
  });
  pollfd ready{listener.get(), POLLIN, 0};
  REQUIRE(poll(&ready, 1, 5000) == 1);
  UniqueFd accepted(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  REQUIRE(accepted.valid());
  sockaddr_in peer{};
  socklen_t length = sizeof peer;
  REQUIRE(getpeername(accepted.get(), reinterpret_cast<sockaddr*>(&peer), &length) == 0);
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &peer.sin_addr, text, sizeof text);
  return text;
}

ClusterAddresses Cluster() {
  ClusterAddresses cluster;
  cluster.pod_cidrs = {IpPrefix::FromString("198.18.1.0/24"),
                       IpPrefix::FromString("198.18.2.0/24")};
  cluster.node_ips = {IpAddress::FromString("203.0.113.1"), IpAddress::FromString("203.0.113.3")};
  return cluster;
}

void RunScenario(iptables::Backend backend) {
  NetNs node("node");
  NetNs pod("pod");
  NetNs outside("outside");
  NetNs peer("peer");
  test::VethPair pod_link(node, "pod0", pod, "eth0");
  test::VethPair peer_link(node, "peer0", peer, "eth0");
  test::VethPair uplink(node, "eth0", outside, "eth0");
  node.ExecOrThrow({"sysctl", "-qw", "net.ipv4.ip_forward=1"});
  node.AddAddress("pod0", "198.18.1.1/24");
  node.AddAddress("peer0", "198.18.2.1/24");
  node.AddAddress("eth0", "203.0.113.1/24");
  pod.AddAddress("eth0", "198.18.1.2/24");
  pod.ExecOrThrow({"ip", "route", "add", "default", "via", "198.18.1.1"});
  peer.AddAddress("eth0", "198.18.2.2/24");
  peer.ExecOrThrow({"ip", "route", "add", "default", "via", "198.18.2.1"});
  outside.AddAddress("eth0", "203.0.113.2/24");
  outside.AddAddress("eth0", "203.0.113.3/24");
  outside.ExecOrThrow({"ip", "route", "add", "198.18.0.0/15", "via", "203.0.113.1"});

  iptables::XtablesRunner runner(backend);
  const std::string iptables_tool =
      backend == iptables::Backend::kNft ? "iptables-nft" : "iptables-legacy";
  const std::string save_tool = runner.Tool(iptables::IpFamily::kIPv4, "save");
  // Another user of nat POSTROUTING and of ipset on the node.
  node.ExecOrThrow(
      {iptables_tool, "-t", "nat", "-A", "POSTROUTING", "-s", "198.18.9.0/24", "-j", "MASQUERADE"});
  node.ExecOrThrow({"ipset", "create", "FOREIGN-SET", "hash:ip"});

  auto ipsets = node.Run([] {
    auto client = ipset::LibipsetClient::Open();
    if (!client.ok()) throw std::runtime_error(client.error().message);
    return std::move(*client);
  });
  EgressOptions options;
  options.enabled = true;
  EgressSyncer egress(options, runner, *ipsets);
  const UniqueFd outside_listener = Listen(outside);
  const UniqueFd peer_listener = Listen(peer);

  CHECK(SourceSeen(pod, outside_listener, "203.0.113.2") == "198.18.1.2");  // before

  const auto sync = [&](bool full) {
    return node.Run([&] { return egress.Sync(Cluster(), full); });
  };
  Expected<EgressSyncResult> first = sync(true);
  REQUIRE(first.ok());
  CHECK(first->changed());
  const std::string saved = node.ExecOrThrow({save_tool, "-t", "nat"});
  INFO(saved);
  CHECK(saved.find("-A KR-RTE-POD-EGRESS " + MasqueradeRule(iptables::IpFamily::kIPv4, true)) !=
        std::string::npos);

  CHECK(SourceSeen(pod, outside_listener, "203.0.113.2") == "203.0.113.1");  // masqueraded
  CHECK(SourceSeen(pod, peer_listener, "198.18.2.2") == "198.18.1.2");       // pod to pod
  CHECK(SourceSeen(pod, outside_listener, "203.0.113.3") == "198.18.1.2");   // pod to a node

  // Idempotent: what iptables-save prints is what we want, so nothing is rewritten.
  Expected<EgressSyncResult> again = sync(true);
  REQUIRE(again.ok());
  CHECK_FALSE(again->changed());

  // Cleanup removes ours and leaves the foreign rule and set.
  REQUIRE(node.Run([&] { return egress.Cleanup(); }).ok());
  const std::string after = node.ExecOrThrow({save_tool, "-t", "nat"});
  INFO(after);
  CHECK(after.find("KR-RTE") == std::string::npos);
  CHECK(after.find("-A POSTROUTING -s 198.18.9.0/24 -j MASQUERADE") != std::string::npos);
  const std::string sets = node.ExecOrThrow({"ipset", "list", "-n"});
  CHECK(sets.find("KR-RTE") == std::string::npos);
  CHECK(sets.find("FOREIGN-SET") != std::string::npos);
  CHECK(SourceSeen(pod, outside_listener, "203.0.113.2") == "198.18.1.2");  // not any more
}

TEST_CASE("pod egress masquerades traffic leaving the cluster (iptables-legacy)") {
  RunScenario(iptables::Backend::kLegacy);
}

TEST_CASE("pod egress masquerades traffic leaving the cluster (iptables-nft)") {
  RunScenario(iptables::Backend::kNft);
}

}  // namespace
}  // namespace kr::routed::egress
