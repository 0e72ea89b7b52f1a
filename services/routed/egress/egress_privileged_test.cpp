// Pod egress against the real kernel (privileged tier: root, fresh network namespaces), with
// both iptables backends and both address families (IPv6: ip6tables and inet6 sets). A pod
// behind a node reaches three places; the listener there says which source address it saw
// (getpeername of the accepted connection):
//
//   pod 198.18.1.2 --- 198.18.1.1 node 203.0.113.1 --- 203.0.113.2 outside (+ 203.0.113.3,
//                        |                                          "another node's IP")
//                      198.18.2.1 --- 198.18.2.2 peer (a pod of another node's pod CIDR)
//
// and the same in IPv6 (2001:db8:1::/64 and 2001:db8:2::/64 pods, 2001:db8:ff::/64 outside).
// Outside routes the pod CIDRs back to the node, so connections work with or without
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

using iptables::IpFamily;
using route::IpAddress;
using route::IpPrefix;
using test::NetNs;
using test::UniqueFd;

constexpr uint16_t kPort = 9191;

// One family's addresses in the picture above.
struct Addresses {
  IpFamily family;
  std::string pod_gateway, pod, peer_gateway, peer, node, outside, other_node;
  std::string pod_cidr, peer_cidr, pods_supernet;
  int prefix_length;  // of every link
  int af() const { return family == IpFamily::kIPv6 ? AF_INET6 : AF_INET; }
};

const Addresses kV4{IpFamily::kIPv4, "198.18.1.1",    "198.18.1.2",    "198.18.2.1",
                    "198.18.2.2",    "203.0.113.1",   "203.0.113.2",   "203.0.113.3",
                    "198.18.1.0/24", "198.18.2.0/24", "198.18.0.0/15", 24};
const Addresses kV6{IpFamily::kIPv6,   "2001:db8:1::1",   "2001:db8:1::2",  "2001:db8:2::1",
                    "2001:db8:2::2",   "2001:db8:ff::1",  "2001:db8:ff::2", "2001:db8:ff::3",
                    "2001:db8:1::/64", "2001:db8:2::/64", "2001:db8::/46",  64};

sockaddr_storage Address(int af, const std::string& ip, uint16_t port) {
  sockaddr_storage ss{};
  if (af == AF_INET6) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    inet_pton(AF_INET6, ip.c_str(), &sin6->sin6_addr);
  } else {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    inet_pton(AF_INET, ip.c_str(), &sin->sin_addr);
  }
  return ss;
}

socklen_t Length(int af) {
  return af == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

UniqueFd Listen(const NetNs& ns, int af) {
  return ns.Run([af] {
    UniqueFd fd(socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const int on = 1;
    setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    const sockaddr_storage any = Address(af, af == AF_INET6 ? "::" : "0.0.0.0", kPort);
    if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&any), Length(af)) != 0 ||
        listen(fd.get(), 8) != 0) {
      throw std::runtime_error(std::string("listen: ") + std::strerror(errno));
    }
    return fd;
  });
}

// Connects from the pod to ip:kPort and returns the source address the listener saw.
std::string SourceSeen(const NetNs& pod, const UniqueFd& listener, int af, const std::string& ip) {
  UniqueFd client = pod.Run([&] {
    UniqueFd fd(socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0));
    timeval timeout{5, 0};  // a bound for a broken path, not a synchronization
    setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    const sockaddr_storage remote = Address(af, ip, kPort);
    if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&remote), Length(af)) != 0) {
      throw std::runtime_error("connect " + ip + ": " + std::strerror(errno));
    }
    return fd;
  });
  pollfd ready{listener.get(), POLLIN, 0};
  REQUIRE(poll(&ready, 1, 5000) == 1);
  UniqueFd accepted(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  REQUIRE(accepted.valid());
  sockaddr_storage peer{};
  socklen_t length = sizeof peer;
  REQUIRE(getpeername(accepted.get(), reinterpret_cast<sockaddr*>(&peer), &length) == 0);
  char text[INET6_ADDRSTRLEN] = {};
  if (af == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&peer)->sin6_addr, text, sizeof text);
  } else {
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&peer)->sin_addr, text, sizeof text);
  }
  return text;
}

ClusterAddresses Cluster(const Addresses& a) {
  ClusterAddresses cluster;
  cluster.pod_cidrs = {IpPrefix::FromString(a.pod_cidr), IpPrefix::FromString(a.peer_cidr)};
  cluster.node_ips = {IpAddress::FromString(a.node), IpAddress::FromString(a.other_node)};
  return cluster;
}

// `ip address add` without duplicate address detection: an IPv6 address is usable at once.
void AddAddress(const NetNs& ns, const std::string& dev, const std::string& ip, int length) {
  ns.ExecOrThrow({"ip", "address", "add", ip + "/" + std::to_string(length), "dev", dev, "nodad"});
}

void RunScenario(iptables::Backend backend, const Addresses& a) {
  const bool v6 = a.family == IpFamily::kIPv6;
  NetNs node("node");
  NetNs pod("pod");
  NetNs outside("outside");
  NetNs peer("peer");
  test::VethPair pod_link(node, "pod0", pod, "eth0");
  test::VethPair peer_link(node, "peer0", peer, "eth0");
  test::VethPair uplink(node, "eth0", outside, "eth0");
  node.ExecOrThrow(
      {"sysctl", "-qw", v6 ? "net.ipv6.conf.all.forwarding=1" : "net.ipv4.ip_forward=1"});
  AddAddress(node, "pod0", a.pod_gateway, a.prefix_length);
  AddAddress(node, "peer0", a.peer_gateway, a.prefix_length);
  AddAddress(node, "eth0", a.node, a.prefix_length);
  AddAddress(pod, "eth0", a.pod, a.prefix_length);
  pod.ExecOrThrow({"ip", "route", "add", "default", "via", a.pod_gateway});
  AddAddress(peer, "eth0", a.peer, a.prefix_length);
  peer.ExecOrThrow({"ip", "route", "add", "default", "via", a.peer_gateway});
  AddAddress(outside, "eth0", a.outside, a.prefix_length);
  AddAddress(outside, "eth0", a.other_node, a.prefix_length);
  outside.ExecOrThrow({"ip", "route", "add", a.pods_supernet, "via", a.node});

  iptables::XtablesRunner runner(backend);
  const std::string iptables_tool = std::string(v6 ? "ip6tables" : "iptables") +
                                    (backend == iptables::Backend::kNft ? "-nft" : "-legacy");
  const std::string save_tool = runner.Tool(a.family, "save");
  const std::string foreign_source = v6 ? "2001:db8:9::/64" : "198.18.9.0/24";
  // Another user of nat POSTROUTING and of ipset on the node.
  node.ExecOrThrow(
      {iptables_tool, "-t", "nat", "-A", "POSTROUTING", "-s", foreign_source, "-j", "MASQUERADE"});
  node.ExecOrThrow({"ipset", "create", "FOREIGN-SET", "hash:ip"});

  auto ipsets = node.Run([] {
    auto client = ipset::LibipsetClient::Open();
    if (!client.ok()) throw std::runtime_error(client.error().message);
    return std::move(*client);
  });
  EgressOptions options;
  options.enabled = true;
  options.ipv4 = true;  // both on: the other family's rules must not disturb this one's
  options.ipv6 = true;
  EgressSyncer egress(options, runner, *ipsets);
  const UniqueFd outside_listener = Listen(outside, a.af());
  const UniqueFd peer_listener = Listen(peer, a.af());

  CHECK(SourceSeen(pod, outside_listener, a.af(), a.outside) == a.pod);  // before

  const auto sync = [&](bool full) {
    return node.Run([&] { return egress.Sync(Cluster(a), full); });
  };
  Expected<EgressSyncResult> first = sync(true);
  REQUIRE(first.ok());
  CHECK(first->changed());
  const std::string saved = node.ExecOrThrow({save_tool, "-t", "nat"});
  INFO(saved);
  CHECK(saved.find("-A KR-RTE-POD-EGRESS " + MasqueradeRule(a.family, true)) != std::string::npos);
  const std::string set_name = v6 ? kPodSubnetsSetV6 : kPodSubnetsSetV4;
  const std::string set = node.ExecOrThrow({"ipset", "list", set_name});
  INFO(set);
  CHECK(set.find(std::string("family ") + (v6 ? "inet6" : "inet")) != std::string::npos);
  CHECK(set.find(a.peer_cidr) != std::string::npos);

  CHECK(SourceSeen(pod, outside_listener, a.af(), a.outside) == a.node);    // masqueraded
  CHECK(SourceSeen(pod, peer_listener, a.af(), a.peer) == a.pod);           // pod to pod
  CHECK(SourceSeen(pod, outside_listener, a.af(), a.other_node) == a.pod);  // pod to a node

  // Idempotent: what iptables-save prints is what we want, so nothing is rewritten.
  Expected<EgressSyncResult> again = sync(true);
  REQUIRE(again.ok());
  CHECK_FALSE(again->changed());

  // Cleanup removes ours and leaves the foreign rule and set.
  REQUIRE(node.Run([&] { return egress.Cleanup(); }).ok());
  const std::string after = node.ExecOrThrow({save_tool, "-t", "nat"});
  INFO(after);
  CHECK(after.find("KR-RTE") == std::string::npos);
  CHECK(after.find("-A POSTROUTING -s " + foreign_source + " -j MASQUERADE") != std::string::npos);
  const std::string sets = node.ExecOrThrow({"ipset", "list", "-n"});
  CHECK(sets.find("KR-RTE") == std::string::npos);
  CHECK(sets.find("FOREIGN-SET") != std::string::npos);
  CHECK(SourceSeen(pod, outside_listener, a.af(), a.outside) == a.pod);  // not any more
}

TEST_CASE("pod egress masquerades traffic leaving the cluster (iptables-legacy)") {
  RunScenario(iptables::Backend::kLegacy, kV4);
}

TEST_CASE("pod egress masquerades traffic leaving the cluster (iptables-nft)") {
  RunScenario(iptables::Backend::kNft, kV4);
}

TEST_CASE("pod egress masquerades IPv6 traffic leaving the cluster (ip6tables-legacy)") {
  RunScenario(iptables::Backend::kLegacy, kV6);
}

TEST_CASE("pod egress masquerades IPv6 traffic leaving the cluster (ip6tables-nft)") {
  RunScenario(iptables::Backend::kNft, kV6);
}

}  // namespace
}  // namespace kr::routed::egress
