// NetlinkRouteKernel against the real kernel, in fresh network namespaces (privileged tier).
//
//        host                      gw1                      far
//   eth0 198.51.100.1/24  ---  eth0 198.51.100.2   eth1 203.0.113.1  ---  eth0 203.0.113.2
//        2001:db8:1::1/64          2001:db8:1::2        2001:db8:2::1          2001:db8:2::2
//   eth1 192.0.2.1/24     ---  gw2 eth0 192.0.2.2
//        2001:db8:3::1/64          2001:db8:3::2
//
// The writer runs in `host`, which has no route to 203.0.113.0/24 or 2001:db8:2::/64 until the
// writer installs one; gw1 forwards, far's default route points back at gw1.
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "common/route/netlink_route_kernel.h"
#include "common/route/route_diff.h"
#include "common/route/route_sync.h"
#include "test/support/netns.h"

namespace kr::route {
namespace {

using test::NetNs;
using test::UniqueFd;
using test::VethPair;

struct Topology {
  NetNs host{"host"};
  NetNs gw1{"gw1"};
  NetNs gw2{"gw2"};
  NetNs far{"far"};
  VethPair host_gw1{host, "eth0", gw1, "eth0"};
  VethPair host_gw2{host, "eth1", gw2, "eth0"};
  VethPair gw1_far{gw1, "eth1", far, "eth0"};

  Topology() {
    host.AddAddress("eth0", "198.51.100.1/24");
    host.AddAddress("eth0", "2001:db8:1::1/64");
    host.AddAddress("eth1", "192.0.2.1/24");
    host.AddAddress("eth1", "2001:db8:3::1/64");
    gw1.AddAddress("eth0", "198.51.100.2/24");
    gw1.AddAddress("eth0", "2001:db8:1::2/64");
    gw1.AddAddress("eth1", "203.0.113.1/24");
    gw1.AddAddress("eth1", "2001:db8:2::1/64");
    gw2.AddAddress("eth0", "192.0.2.2/24");
    gw2.AddAddress("eth0", "2001:db8:3::2/64");
    far.AddAddress("eth0", "203.0.113.2/24");
    far.AddAddress("eth0", "2001:db8:2::2/64");
    gw1.ExecOrThrow({"sysctl", "-q", "-w", "net.ipv4.ip_forward=1"});
    gw1.ExecOrThrow({"sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1"});
    far.ExecOrThrow({"ip", "route", "add", "default", "via", "203.0.113.1"});
    far.ExecOrThrow({"ip", "-6", "route", "add", "default", "via", "2001:db8:2::1"});
  }

  NetlinkRouteKernel Kernel(RouteProtocol protocol = kDefaultRouteProtocol) const {
    return host.Run([protocol] {
      auto kernel = NetlinkRouteKernel::Create(protocol);
      if (!kernel) throw std::runtime_error(kernel.error().message);
      return std::move(*kernel);
    });
  }

  int IfIndex(const char* name) const {
    return host.Run([name] { return static_cast<int>(if_nametoindex(name)); });
  }

  // `ip [-6] route show proto 17` in host.
  std::string Show(bool v6 = false, const char* proto = "17") const {
    std::vector<std::string> argv = {"ip"};
    argv.push_back(v6 ? "-6" : "-4");
    for (const char* arg : {"route", "show", "table", "all", "proto", proto}) argv.push_back(arg);
    return host.ExecOrThrow(argv);
  }
};

Route R(const char* destination, std::vector<NextHop> hops, uint32_t metric = 0) {
  Route route;
  route.destination = IpPrefix::FromString(destination);
  route.next_hops = std::move(hops);
  route.metric = metric;
  return route;
}

NextHop Via(const char* gateway, int weight = 1) {
  return NextHop{IpAddress::FromString(gateway), 0, false, weight};
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

size_t Lines(const std::string& text) {
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  return lines;
}

// A listening TCP socket in `ns` on address:port.
UniqueFd Listen(const NetNs& ns, const char* address, uint16_t port) {
  return ns.Run([&] {
    const bool v6 = std::strchr(address, ':') != nullptr;
    UniqueFd fd(socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_storage storage{};
    socklen_t length = 0;
    if (v6) {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(&storage);
      sin6->sin6_family = AF_INET6;
      sin6->sin6_port = htons(port);
      inet_pton(AF_INET6, address, &sin6->sin6_addr);
      length = sizeof *sin6;
    } else {
      auto* sin = reinterpret_cast<sockaddr_in*>(&storage);
      sin->sin_family = AF_INET;
      sin->sin_port = htons(port);
      inet_pton(AF_INET, address, &sin->sin_addr);
      length = sizeof *sin;
    }
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&storage), length) != 0 ||
        listen(fd.get(), 8) != 0) {
      throw std::runtime_error(std::string("listen: ") + std::strerror(errno));
    }
    return fd;
  });
}

// Connects from `ns`; 0 on success, else the errno. A 5 s bound keeps a broken setup from
// hanging the test; a working or missing route answers at once.
int Connect(const NetNs& ns, const char* address, uint16_t port) {
  return ns.Run([&] {
    const bool v6 = std::strchr(address, ':') != nullptr;
    UniqueFd fd(socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    timeval timeout{5, 0};
    setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    sockaddr_storage storage{};
    socklen_t length = 0;
    if (v6) {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(&storage);
      sin6->sin6_family = AF_INET6;
      sin6->sin6_port = htons(port);
      inet_pton(AF_INET6, address, &sin6->sin6_addr);
      length = sizeof *sin6;
    } else {
      auto* sin = reinterpret_cast<sockaddr_in*>(&storage);
      sin->sin_family = AF_INET;
      sin->sin_port = htons(port);
      inet_pton(AF_INET, address, &sin->sin_addr);
      length = sizeof *sin;
    }
    return connect(fd.get(), reinterpret_cast<sockaddr*>(&storage), length) == 0 ? 0 : errno;
  });
}

TEST_CASE("IPv4: add, dump, EEXIST, replace, ECMP, delete, ESRCH") {
  Topology net;
  NetlinkRouteKernel kernel = net.Kernel();
  const Route route = R("203.0.113.0/24", {Via("198.51.100.2")});

  REQUIRE(kernel.AddRoute(route).ok());
  CHECK(Contains(net.Show(), "203.0.113.0/24 via 198.51.100.2 dev eth0"));
  auto dumped = kernel.DumpRoutes({});
  REQUIRE(dumped.ok());
  REQUIRE(dumped->size() == 1);
  CHECK(Satisfies(dumped->front(), route));
  CHECK(dumped->front().next_hops.front().ifindex == net.IfIndex("eth0"));

  Status again = kernel.AddRoute(route);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == EEXIST);

  REQUIRE(kernel.ReplaceRoute(R("203.0.113.0/24", {Via("192.0.2.2")})).ok());
  CHECK(Contains(net.Show(), "203.0.113.0/24 via 192.0.2.2 dev eth1"));

  const Route ecmp = R("203.0.113.0/24", {Via("198.51.100.2", 1), Via("192.0.2.2", 3)});
  REQUIRE(kernel.ReplaceRoute(ecmp).ok());
  const std::string shown = net.Show();
  INFO(shown);
  CHECK(Contains(shown, "nexthop via 198.51.100.2 dev eth0 weight 1"));
  CHECK(Contains(shown, "nexthop via 192.0.2.2 dev eth1 weight 3"));
  dumped = kernel.DumpRoutes({});
  REQUIRE(dumped.ok());
  REQUIRE(dumped->size() == 1);
  CHECK(dumped->front().next_hops.size() == 2);
  CHECK(Satisfies(dumped->front(), ecmp));

  REQUIRE(kernel.DeleteRoute(route).ok());
  CHECK(net.Show().empty());
  Status missing = kernel.DeleteRoute(route);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ESRCH);
}

TEST_CASE("IPv6: add, dump, replace, ECMP, delete, ESRCH") {
  Topology net;
  NetlinkRouteKernel kernel = net.Kernel();
  const Route route = R("2001:db8:2::/64", {Via("2001:db8:1::2")});
  REQUIRE(kernel.AddRoute(route).ok());
  CHECK(Contains(net.Show(true), "2001:db8:2::/64 via 2001:db8:1::2 dev eth0"));
  Status again = kernel.AddRoute(route);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == EEXIST);

  const Route ecmp = R("2001:db8:2::/64", {Via("2001:db8:1::2"), Via("2001:db8:3::2", 2)});
  REQUIRE(kernel.ReplaceRoute(ecmp).ok());
  const std::string shown = net.Show(true);
  INFO(shown);
  CHECK(Contains(shown, "nexthop via 2001:db8:1::2 dev eth0 weight 1"));
  CHECK(Contains(shown, "nexthop via 2001:db8:3::2 dev eth1 weight 2"));
  auto dumped = kernel.DumpRoutes(RouteFilter{AF_INET6, 0});
  REQUIRE(dumped.ok());
  REQUIRE(dumped->size() == 1);
  CHECK(dumped->front().metric == kIpv6DefaultMetric);
  CHECK(Satisfies(dumped->front(), ecmp));
  CHECK(DiffRoutes(std::vector{ecmp}, *dumped).empty());

  REQUIRE(kernel.DeleteRoute(route).ok());
  CHECK(net.Show(true).empty());
  Status missing = kernel.DeleteRoute(route);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ESRCH);
}

TEST_CASE("routes of another protocol survive every sync and the cleanup") {
  Topology net;
  NetlinkRouteKernel kernel = net.Kernel();
  net.host.ExecOrThrow(
      {"ip", "route", "add", "198.18.0.0/24", "via", "198.51.100.2", "proto", "static"});
  net.host.ExecOrThrow(
      {"ip", "route", "add", "198.18.1.0/24", "via", "198.51.100.2", "proto", "static"});
  net.host.ExecOrThrow(
      {"ip", "-6", "route", "add", "2001:db8:99::/64", "via", "2001:db8:1::2", "proto", "static"});
  const std::string foreign_v4 = net.Show(false, "static");
  const std::string foreign_v6 = net.Show(true, "static");
  REQUIRE(Lines(foreign_v4) == 2);
  REQUIRE(Lines(foreign_v6) == 1);

  // 198.18.1.0/24 and 2001:db8:99::/64 are held by the static routes: refused, not replaced.
  const std::vector<Route> desired = {
      R("198.18.1.0/24", {Via("192.0.2.2")}), R("198.18.2.0/24", {Via("192.0.2.2")}),
      R("2001:db8:99::/64", {Via("2001:db8:3::2")}), R("2001:db8:98::/64", {Via("2001:db8:3::2")})};
  for (int pass = 0; pass < 2; ++pass) {
    const SyncResult result = SyncRoutes(kernel, desired);
    INFO(result.ToString());
    CHECK(result.added == (pass == 0 ? 2u : 0u));
    CHECK(result.errors.size() == 2);
    for (const auto& error : result.errors) CHECK(error.code == EEXIST);
    CHECK(net.Show(false, "static") == foreign_v4);
    CHECK(net.Show(true, "static") == foreign_v6);
  }
  CHECK(Lines(net.Show()) == 1);
  CHECK(Lines(net.Show(true)) == 1);

  // Deleting a key held by a foreign route is ESRCH and leaves it alone, in both families.
  for (const char* key : {"198.18.0.0/24", "2001:db8:99::/64"}) {
    Status del = kernel.DeleteRoute(R(key, {}));
    REQUIRE_FALSE(del.ok());
    CHECK(del.error().code == ESRCH);
  }

  const SyncResult cleanup = SyncRoutes(kernel, {});
  INFO(cleanup.ToString());
  CHECK(cleanup.ok());
  CHECK(cleanup.deleted == 2);
  CHECK(net.Show().empty());
  CHECK(net.Show(true).empty());
  CHECK(net.Show(false, "static") == foreign_v4);
  CHECK(net.Show(true, "static") == foreign_v6);
}

TEST_CASE("a route written by us carries traffic; deleting it breaks the path") {
  Topology net;
  NetlinkRouteKernel kernel = net.Kernel();
  UniqueFd listener4 = Listen(net.far, "203.0.113.2", 8080);
  UniqueFd listener6 = Listen(net.far, "2001:db8:2::2", 8080);

  CHECK(Connect(net.host, "203.0.113.2", 8080) == ENETUNREACH);
  CHECK(Connect(net.host, "2001:db8:2::2", 8080) == ENETUNREACH);

  const Route v4 = R("203.0.113.0/24", {Via("198.51.100.2")});
  const Route v6 = R("2001:db8:2::/64", {Via("2001:db8:1::2")});
  REQUIRE(kernel.AddRoute(v4).ok());
  REQUIRE(kernel.AddRoute(v6).ok());
  CHECK(Connect(net.host, "203.0.113.2", 8080) == 0);
  CHECK(Connect(net.host, "2001:db8:2::2", 8080) == 0);

  REQUIRE(kernel.DeleteRoute(v4).ok());
  REQUIRE(kernel.DeleteRoute(v6).ok());
  CHECK(Connect(net.host, "203.0.113.2", 8080) == ENETUNREACH);
  CHECK(Connect(net.host, "2001:db8:2::2", 8080) == ENETUNREACH);
}

TEST_CASE("onlink routes and routes in another table; a missing table dumps empty") {
  Topology net;
  NetlinkRouteKernel kernel = net.Kernel();
  auto empty = kernel.DumpRoutes(RouteFilter{AF_INET, 77});
  REQUIRE(empty.ok());
  CHECK(empty->empty());

  Route onlink =
      R("198.19.0.0/24", {NextHop{IpAddress::FromString("10.255.0.1"), net.IfIndex("eth0"), true}});
  onlink.table = 77;
  onlink.metric = 10;
  REQUIRE(kernel.AddRoute(onlink).ok());
  CHECK(Contains(net.host.ExecOrThrow({"ip", "route", "show", "table", "77"}),
                 "198.19.0.0/24 via 10.255.0.1 dev eth0 proto 17 metric 10 onlink"));
  auto dumped = kernel.DumpRoutes(RouteFilter{AF_INET, 77});
  REQUIRE(dumped.ok());
  REQUIRE(dumped->size() == 1);
  CHECK(Normalized(dumped->front()) == Normalized(onlink));
  CHECK(kernel.DumpRoutes(RouteFilter{AF_INET, RT_TABLE_MAIN})->empty());
  CHECK(SyncRoutes(kernel, {}, RouteFilter{AF_INET, 77}).deleted == 1);
}

TEST_CASE("a different protocol id sees and touches only its own routes") {
  Topology net;
  NetlinkRouteKernel ours = net.Kernel(17);
  NetlinkRouteKernel other = net.Kernel(201);
  REQUIRE(ours.AddRoute(R("198.18.5.0/24", {Via("198.51.100.2")})).ok());
  REQUIRE(other.AddRoute(R("198.18.6.0/24", {Via("198.51.100.2")})).ok());
  CHECK(SyncRoutes(other, {}).deleted == 1);
  auto left = ours.DumpRoutes({});
  REQUIRE(left.ok());
  REQUIRE(left->size() == 1);
  CHECK(left->front().destination.ToString() == "198.18.5.0/24");
}

TEST_CASE("5000 routes: one sync installs them, a second writes nothing, cleanup removes all") {
  Topology net;
  NetlinkRouteKernel kernel = net.Kernel();
  std::vector<Route> desired;
  for (int i = 0; i < 5000; ++i) {
    const std::string prefix =
        "10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".0/24";
    desired.push_back(R(prefix.c_str(), {Via(i % 2 ? "198.51.100.2" : "192.0.2.2")}));
  }
  const auto start = std::chrono::steady_clock::now();
  const SyncResult install = SyncRoutes(kernel, desired);
  const auto installed = std::chrono::steady_clock::now();
  INFO(install.ToString());
  CHECK(install.ok());
  CHECK(install.added == 5000);
  CHECK(Lines(net.Show()) == 5000);

  const SyncResult steady = SyncRoutes(kernel, desired);
  const auto resynced = std::chrono::steady_clock::now();
  CHECK(steady.ok());
  CHECK(steady.added + steady.replaced + steady.deleted == 0);

  const SyncResult cleanup = SyncRoutes(kernel, {});
  CHECK(cleanup.deleted == 5000);
  CHECK(net.Show().empty());
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  std::printf("5000 routes: install %lld ms, no-op resync %lld ms\n",
              static_cast<long long>(duration_cast<milliseconds>(installed - start).count()),
              static_cast<long long>(duration_cast<milliseconds>(resynced - installed).count()));
}

TEST_CASE("the kernel's refusals come back as errno values with its message") {
  Topology net;
  NetlinkRouteKernel kernel = net.Kernel();
  Status unreachable = kernel.AddRoute(R("198.18.7.0/24", {Via("10.254.0.1")}));
  REQUIRE_FALSE(unreachable.ok());
  CHECK(unreachable.error().code == ENETUNREACH);
  CHECK(Contains(unreachable.error().message, "198.18.7.0/24"));

  Status no_device = kernel.AddRoute(R("198.18.7.0/24", {NextHop{IpAddress(), 9999}}));
  REQUIRE_FALSE(no_device.ok());
  CHECK(no_device.error().code == ENODEV);

  // One bad op in a batch fails alone; the others are applied.
  const std::vector<RouteOp> ops = {
      {RouteOp::Kind::kAdd, R("198.18.8.0/24", {Via("198.51.100.2")})},
      {RouteOp::Kind::kAdd, R("198.18.9.0/24", {Via("10.254.0.1")})},
      {RouteOp::Kind::kDelete, R("198.18.10.0/24", {})},
      {RouteOp::Kind::kAdd, R("198.18.11.0/24", {Via("192.0.2.2")})}};
  const std::vector<Status> results = kernel.Apply(ops);
  REQUIRE(results.size() == 4);
  CHECK(results[0].ok());
  CHECK(results[1].error().code == ENETUNREACH);
  CHECK(results[2].error().code == ESRCH);
  CHECK(results[3].ok());
  CHECK(Lines(net.Show()) == 2);
}

// Route batches go without an ack per route (errors only): each refusal must still come
// back at its own index, also when hundreds in one sendmsg fail, and the rest must be applied.
TEST_CASE("a batch without acks reports every refused route at its index, applies the rest") {
  Topology net;
  NetlinkRouteKernel kernel = net.Kernel();
  const auto prefix = [](int i) {
    return "10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".0/24";
  };
  std::vector<RouteOp> existing;
  for (int i = 0; i < 3000; i += 2) {
    existing.push_back({RouteOp::Kind::kAdd, R(prefix(i).c_str(), {Via("198.51.100.2")})});
  }
  for (const Status& s : kernel.Apply(existing)) REQUIRE(s.ok());

  // Every route of a batch refused (EEXIST), more than a sendmsg chunk holds.
  const std::vector<Status> all_refused = kernel.Apply(existing);
  REQUIRE(all_refused.size() == existing.size());
  size_t eexist = 0;
  for (const Status& s : all_refused) eexist += !s.ok() && s.error().code == EEXIST;
  CHECK(eexist == existing.size());

  // Refused and accepted interleaved, one unreachable gateway among them.
  std::vector<RouteOp> mixed;
  for (int i = 0; i < 3000; ++i) {
    const char* gateway = i == 1001 ? "10.254.0.1" : "192.0.2.2";
    mixed.push_back({RouteOp::Kind::kAdd, R(prefix(i).c_str(), {Via(gateway)})});
  }
  const std::vector<Status> results = kernel.Apply(mixed);
  REQUIRE(results.size() == mixed.size());
  size_t wrong = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    const int expected = i == 1001 ? ENETUNREACH : i % 2 == 0 ? EEXIST : 0;
    const int got = results[i].ok() ? 0 : results[i].error().code;
    if (got != expected) {
      if (wrong++ < 5) UNSCOPED_INFO("op " << i << ": errno " << got << ", want " << expected);
    }
  }
  CHECK(wrong == 0);
  CHECK(Contains(results[1001].error().message, prefix(1001)));
  // 1,500 existing + 1,499 new (the unreachable one is not there).
  CHECK(Lines(net.Show()) == 2999);
  CHECK(Contains(net.Show(), prefix(1003) + " via 192.0.2.2"));
  CHECK_FALSE(Contains(net.Show(), prefix(1001) + " "));
}

TEST_CASE("tunnel deletion refuses non-tunnels and reports missing interfaces") {
  Topology net;
  NetlinkRouteKernel kernel = net.Kernel();
  Status uplink = kernel.DeleteTunnel("eth0");
  REQUIRE_FALSE(uplink.ok());
  CHECK(uplink.error().code == EINVAL);
  CHECK(net.IfIndex("eth0") != 0);
  Status missing = kernel.DeleteTunnel("tun-none");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ENODEV);
  auto tunnels = kernel.ListTunnels();
  REQUIRE(tunnels.ok());
  CHECK(tunnels->empty());
}

}  // namespace
}  // namespace kr::route
