// FakeRouteKernel answers as the kernel does (checked against the real one by
// route_privileged_test), and SyncRoutes drives it to the desired state.
#include "common/route/fake_route_kernel.h"

#include <catch2/catch.hpp>

#include "common/route/route_sync.h"

namespace kr::route {
namespace {

Route R(const char* destination, const char* gateway, uint32_t table = RT_TABLE_MAIN) {
  Route route;
  route.destination = IpPrefix::FromString(destination);
  route.next_hops.push_back(NextHop{IpAddress::FromString(gateway)});
  route.table = table;
  return route;
}

TEST_CASE("fake: EEXIST on adding an existing key, ESRCH on deleting a missing one") {
  FakeRouteKernel kernel;
  const Route route = R("203.0.113.0/24", "198.51.100.2");
  REQUIRE(kernel.AddRoute(route).ok());
  Status again = kernel.AddRoute(route);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == EEXIST);
  REQUIRE(kernel.DeleteRoute(route).ok());
  Status missing = kernel.DeleteRoute(route);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ESRCH);
  CHECK(kernel.route_writes() == 4);
}

TEST_CASE("fake: replace creates or replaces; dump returns ours only") {
  FakeRouteKernel kernel;
  const Route first = R("203.0.113.0/24", "198.51.100.2");
  const Route second = R("203.0.113.0/24", "198.51.100.3");
  REQUIRE(kernel.ReplaceRoute(first).ok());
  REQUIRE(kernel.ReplaceRoute(second).ok());
  kernel.AddForeignRoute(R("192.0.2.0/24", "198.51.100.1"), RTPROT_STATIC);
  auto dumped = kernel.DumpRoutes({});
  REQUIRE(dumped.ok());
  REQUIRE(dumped->size() == 1);
  CHECK(dumped->front() == second);
}

TEST_CASE("fake: a foreign route's key is refused on add and survives our delete") {
  FakeRouteKernel kernel;
  const Route foreign = R("203.0.113.0/24", "198.51.100.1");
  kernel.AddForeignRoute(foreign, RTPROT_STATIC);
  Status add = kernel.AddRoute(R("203.0.113.0/24", "198.51.100.2"));
  REQUIRE_FALSE(add.ok());
  CHECK(add.error().code == EEXIST);
  Status del = kernel.DeleteRoute(foreign);
  REQUIRE_FALSE(del.ok());
  CHECK(del.error().code == ESRCH);
  CHECK(kernel.ForeignRoutes() == std::vector{foreign});
}

TEST_CASE("fake: malformed routes get the codec's EINVAL; injected failures come back once") {
  FakeRouteKernel kernel;
  Route no_hop = R("203.0.113.0/24", "198.51.100.2");
  no_hop.next_hops.clear();
  Status bad = kernel.AddRoute(no_hop);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == EINVAL);

  kernel.FailNextCall(Error{ENOBUFS, "injected"});
  auto dump = kernel.DumpRoutes({});
  REQUIRE_FALSE(dump.ok());
  CHECK(dump.error().code == ENOBUFS);
  CHECK(kernel.DumpRoutes({}).ok());
}

TEST_CASE("fake: tunnels are created once, listed, and only tunnels are deleted") {
  FakeRouteKernel kernel;
  TunnelSpec spec{"tun-x", IpAddress(), IpAddress::FromString("192.0.2.9")};
  REQUIRE(kernel.CreateTunnel(spec).ok());
  Status again = kernel.CreateTunnel(spec);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == EEXIST);
  auto tunnels = kernel.ListTunnels();
  REQUIRE(tunnels.ok());
  REQUIRE(tunnels->size() == 1);
  CHECK(tunnels->front().spec == spec);

  kernel.AddPlainInterface("eth0");
  Status uplink = kernel.DeleteTunnel("eth0");
  REQUIRE_FALSE(uplink.ok());
  CHECK(uplink.error().code == EINVAL);
  REQUIRE(kernel.DeleteTunnel("tun-x").ok());
  Status gone = kernel.DeleteTunnel("tun-x");
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error().code == ENODEV);
}

TEST_CASE("sync: converges in one pass, then writes nothing") {
  FakeRouteKernel kernel;
  REQUIRE(kernel.AddRoute(R("192.0.2.0/24", "198.51.100.2")).ok());    // stale
  REQUIRE(kernel.AddRoute(R("203.0.113.0/25", "198.51.100.9")).ok());  // changed
  const std::vector<Route> desired = {R("203.0.113.0/25", "198.51.100.3"),
                                      R("203.0.113.128/25", "198.51.100.4"),
                                      R("2001:db8:2::/64", "2001:db8::2")};
  const int writes_before = kernel.route_writes();
  const SyncResult first = SyncRoutes(kernel, desired);
  INFO(first.ToString());
  CHECK(first.ok());
  CHECK(first.added == 2);
  CHECK(first.replaced == 1);
  CHECK(first.deleted == 1);
  CHECK(kernel.route_writes() - writes_before == 4);

  std::vector<Route> expected;
  for (const auto& route : desired) expected.push_back(Normalized(route));
  std::sort(expected.begin(), expected.end(),
            [](const Route& a, const Route& b) { return KeyOf(a) < KeyOf(b); });
  CHECK(kernel.OurRoutes() == expected);

  const SyncResult second = SyncRoutes(kernel, desired);
  CHECK(second.ok());
  CHECK(kernel.route_writes() - writes_before == 4);
}

TEST_CASE("sync: foreign routes survive syncs and the cleanup; their key is an error") {
  FakeRouteKernel kernel;
  const Route foreign = R("203.0.113.0/24", "198.51.100.1");
  kernel.AddForeignRoute(foreign, RTPROT_STATIC);
  const SyncResult clash = SyncRoutes(
      kernel, std::vector{R("203.0.113.0/24", "198.51.100.2"), R("192.0.2.0/24", "198.51.100.2")});
  CHECK(clash.added == 1);
  REQUIRE(clash.errors.size() == 1);
  CHECK(clash.errors[0].code == EEXIST);

  const SyncResult cleanup = SyncRoutes(kernel, {});
  CHECK(cleanup.ok());
  CHECK(cleanup.deleted == 1);
  CHECK(kernel.OurRoutes().empty());
  CHECK(kernel.ForeignRoutes() == std::vector{foreign});
}

TEST_CASE("sync: scope limits what is read and deleted; out-of-scope desired is EINVAL") {
  FakeRouteKernel kernel;
  REQUIRE(kernel.AddRoute(R("192.0.2.0/24", "198.51.100.2", 77)).ok());
  REQUIRE(kernel.AddRoute(R("2001:db8:2::/64", "2001:db8::2")).ok());
  const SyncResult result = SyncRoutes(kernel, std::vector{R("198.18.0.0/24", "198.51.100.2", 77)},
                                       RouteFilter{AF_INET, RT_TABLE_MAIN});
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].code == EINVAL);
  CHECK(kernel.OurRoutes().size() == 2);  // table 77 and the IPv6 route untouched
}

TEST_CASE("sync: a failed dump changes nothing and is reported") {
  FakeRouteKernel kernel;
  kernel.FailNextCall(Error{EPERM, "injected"});
  const SyncResult result = SyncRoutes(kernel, std::vector{R("192.0.2.0/24", "198.51.100.2")});
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].code == EPERM);
  CHECK(kernel.OurRoutes().empty());
}

}  // namespace
}  // namespace kr::route
