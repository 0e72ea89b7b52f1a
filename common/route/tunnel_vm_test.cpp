// IP-in-IP tunnels made by NetlinkRouteKernel, with traffic through them (vm tier: the host
// kernel has no ipip/ip6_tunnel modules). Run inside the VM by test/vm's runner:
//   <builddir>/test/support/vm-run --modules ip6_tunnel --
//       <builddir>/common/route/route_tunnel_vm_test
//
//   a: lo 198.18.1.1/32 (a pod)        b: lo 198.18.2.1/32 (a pod)
//      eth0 192.0.2.1/24, 2001:db8:1::1/64  ---  eth0 192.0.2.2/24, 2001:db8:1::2/64
//      tun-b: ipip 192.0.2.1 -> 192.0.2.2        tun-a: ipip 192.0.2.2 -> 192.0.2.1
// Each side routes the other's pod CIDR onto its tunnel with our protocol id, as routed's
// overlay does; a TCP connection between the pods then travels inside the tunnels.
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <optional>

#include "common/route/netlink_route_kernel.h"
#include "test/support/netns.h"

namespace kr::route {
namespace {

using test::NetNs;
using test::UniqueFd;

NetlinkRouteKernel KernelIn(const NetNs& ns) {
  return ns.Run([] {
    auto kernel = NetlinkRouteKernel::Create();
    if (!kernel) throw std::runtime_error(kernel.error().message);
    return std::move(*kernel);
  });
}

int IfIndex(const NetNs& ns, const char* name) {
  return ns.Run([name] { return static_cast<int>(if_nametoindex(name)); });
}

std::optional<Tunnel> Find(NetlinkRouteKernel& kernel, const std::string& name) {
  auto tunnels = kernel.ListTunnels();
  REQUIRE(tunnels.ok());
  for (const auto& tunnel : *tunnels) {
    if (tunnel.spec.name == name) return tunnel;
  }
  return std::nullopt;
}

long Counter(const NetNs& ns, const std::string& ifname, const std::string& counter) {
  return std::stol(ns.ExecOrThrow({"cat", "/sys/class/net/" + ifname + "/statistics/" + counter}));
}

// TCP from `from` (bound to from_ip) to a listener on to_ip in `to`; 0 or the errno.
int Connect(const NetNs& from, const char* from_ip, const NetNs& to, const char* to_ip) {
  const auto address = [](const char* ip, uint16_t port) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    inet_pton(AF_INET, ip, &sin.sin_addr);
    return sin;
  };
  UniqueFd listener = to.Run([&] {
    UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const sockaddr_in sin = address(to_ip, 9090);
    if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&sin), sizeof sin) != 0 ||
        listen(fd.get(), 4) != 0) {
      throw std::runtime_error(std::string("listen: ") + std::strerror(errno));
    }
    return fd;
  });
  return from.Run([&] {
    UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    timeval timeout{5, 0};  // a bound for a broken path, not a synchronization
    setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    const sockaddr_in local = address(from_ip, 0);
    if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) return errno;
    const sockaddr_in remote = address(to_ip, 9090);
    return connect(fd.get(), reinterpret_cast<const sockaddr*>(&remote), sizeof remote) == 0
               ? 0
               : errno;
  });
}

Route PodRouteVia(const char* pod_cidr, int tunnel_ifindex, const char* node_ip) {
  Route route;
  route.destination = IpPrefix::FromString(pod_cidr);
  route.next_hops.push_back(NextHop{IpAddress(), tunnel_ifindex});
  route.preferred_source = IpAddress::FromString(node_ip);
  return route;
}

TEST_CASE("ipip tunnels carry pod traffic between two nodes") {
  NetNs a("a");
  NetNs b("b");
  test::VethPair link(a, "eth0", b, "eth0");
  a.AddAddress("eth0", "192.0.2.1/24");
  b.AddAddress("eth0", "192.0.2.2/24");
  a.AddAddress("lo", "198.18.1.1/32");
  b.AddAddress("lo", "198.18.2.1/32");
  NetlinkRouteKernel kernel_a = KernelIn(a);
  NetlinkRouteKernel kernel_b = KernelIn(b);

  const TunnelSpec to_b{"tun-b", IpAddress::FromString("192.0.2.1"),
                        IpAddress::FromString("192.0.2.2")};
  const TunnelSpec to_a{"tun-a", IpAddress::FromString("192.0.2.2"),
                        IpAddress::FromString("192.0.2.1")};
  REQUIRE(kernel_a.CreateTunnel(to_b).ok());
  REQUIRE(kernel_b.CreateTunnel(to_a).ok());
  Status again = kernel_a.CreateTunnel(to_b);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == EEXIST);

  const auto listed = Find(kernel_a, "tun-b");
  REQUIRE(listed.has_value());
  CHECK(listed->up);
  CHECK(listed->spec.local == to_b.local);
  CHECK(listed->spec.remote == to_b.remote);
  CHECK(listed->ifindex == IfIndex(a, "tun-b"));
  const std::string details = a.ExecOrThrow({"ip", "-d", "link", "show", "tun-b"});
  INFO(details);
  CHECK(details.find("ipip remote 192.0.2.2 local 192.0.2.1") != std::string::npos);

  CHECK(Connect(a, "198.18.1.1", b, "198.18.2.1") == ENETUNREACH);
  const Route a_to_b = PodRouteVia("198.18.2.0/24", listed->ifindex, "192.0.2.1");
  const Route b_to_a = PodRouteVia("198.18.1.0/24", IfIndex(b, "tun-a"), "192.0.2.2");
  REQUIRE(kernel_a.AddRoute(a_to_b).ok());
  REQUIRE(kernel_b.AddRoute(b_to_a).ok());
  CHECK(a.ExecOrThrow({"ip", "route", "show", "proto", "17"}).find("198.18.2.0/24 dev tun-b") !=
        std::string::npos);

  const long sent_before = Counter(a, "tun-b", "tx_packets");
  const long received_before = Counter(b, "tun-a", "rx_packets");
  CHECK(Connect(a, "198.18.1.1", b, "198.18.2.1") == 0);
  CHECK(Counter(a, "tun-b", "tx_packets") > sent_before);
  CHECK(Counter(b, "tun-a", "rx_packets") > received_before);

  // Deleting the tunnel takes its routes with it: the pods are cut off again.
  REQUIRE(kernel_a.DeleteTunnel("tun-b").ok());
  CHECK_FALSE(Find(kernel_a, "tun-b").has_value());
  CHECK(kernel_a.DumpRoutes({})->empty());
  CHECK(Connect(a, "198.18.1.1", b, "198.18.2.1") == ENETUNREACH);
  Status gone = kernel_a.DeleteTunnel("tun-b");
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error().code == ENODEV);
}

TEST_CASE("ip6ip6 tunnels to an IPv6 remote are created, listed and deleted") {
  NetNs a("a6");
  NetNs b("b6");
  test::VethPair link(a, "eth0", b, "eth0");
  a.AddAddress("eth0", "2001:db8:1::1/64");
  NetlinkRouteKernel kernel = KernelIn(a);
  TunnelSpec spec{"tun6", IpAddress::FromString("2001:db8:1::1"),
                  IpAddress::FromString("2001:db8:1::2")};
  spec.underlay_ifindex = IfIndex(a, "eth0");
  REQUIRE(kernel.CreateTunnel(spec).ok());
  const std::string details = a.ExecOrThrow({"ip", "-d", "link", "show", "tun6"});
  INFO(details);
  CHECK(details.find("ip6ip6 remote 2001:db8:1::2 local 2001:db8:1::1") != std::string::npos);
  const auto listed = Find(kernel, "tun6");
  REQUIRE(listed.has_value());
  CHECK(listed->spec.remote == spec.remote);
  CHECK(listed->spec.underlay_ifindex == spec.underlay_ifindex);
  REQUIRE(kernel.DeleteTunnel("tun6").ok());
  CHECK_FALSE(Find(kernel, "tun6").has_value());
}

}  // namespace
}  // namespace kr::route
