#include "common/route/route_diff.h"

#include <catch2/catch.hpp>

namespace kr::route {
namespace {

Route R(const char* destination, const char* gateway, int ifindex = 0, uint32_t metric = 0) {
  Route route;
  route.destination = IpPrefix::FromString(destination);
  route.next_hops.push_back(NextHop{IpAddress::FromString(gateway), ifindex});
  route.metric = metric;
  return route;
}

using Kind = RouteOp::Kind;

TEST_CASE("diff: nothing to do when the kernel already holds the desired routes") {
  const std::vector<Route> routes = {R("203.0.113.0/24", "198.51.100.2"),
                                     R("2001:db8:2::/64", "2001:db8::2")};
  CHECK(DiffRoutes(routes, routes).empty());
}

TEST_CASE("diff: add missing, replace changed, delete stale; adds before deletes") {
  const std::vector<Route> desired = {R("203.0.113.0/24", "198.51.100.2"),
                                      R("203.0.113.128/25", "198.51.100.3")};
  const std::vector<Route> current = {R("203.0.113.128/25", "198.51.100.9"),
                                      R("192.0.2.0/24", "198.51.100.2")};
  const auto ops = DiffRoutes(desired, current);
  REQUIRE(ops.size() == 3);
  CHECK(ops[0] == RouteOp{Kind::kAdd, desired[0]});
  CHECK(ops[1] == RouteOp{Kind::kReplace, desired[1]});
  CHECK(ops[2] == RouteOp{Kind::kDelete, current[1]});
}

TEST_CASE("diff: an interface the kernel derived from the gateway is no difference") {
  const std::vector<Route> desired = {R("203.0.113.0/24", "198.51.100.2")};
  const std::vector<Route> current = {R("203.0.113.0/24", "198.51.100.2", 3)};
  CHECK(DiffRoutes(desired, current).empty());
  // ...but a desired interface must match.
  const std::vector<Route> pinned = {R("203.0.113.0/24", "198.51.100.2", 4)};
  const auto ops = DiffRoutes(pinned, current);
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].kind == Kind::kReplace);
}

TEST_CASE("diff: the metric is part of the key, IPv6 metric 0 is 1024") {
  const std::vector<Route> desired = {R("203.0.113.0/24", "198.51.100.2", 0, 200)};
  const std::vector<Route> current = {R("203.0.113.0/24", "198.51.100.2", 0, 100)};
  const auto ops = DiffRoutes(desired, current);
  REQUIRE(ops.size() == 2);
  CHECK(ops[0].kind == Kind::kAdd);
  CHECK(ops[1].kind == Kind::kDelete);
  CHECK(ops[1].route.metric == 100);

  const std::vector<Route> v6_desired = {R("2001:db8:2::/64", "2001:db8::2", 0, 0)};
  const std::vector<Route> v6_current = {R("2001:db8:2::/64", "2001:db8::2", 0, 1024)};
  CHECK(DiffRoutes(v6_desired, v6_current).empty());
}

TEST_CASE("diff: ECMP next hop order does not matter, weights do") {
  Route a = R("203.0.113.0/24", "198.51.100.2");
  a.next_hops.push_back(NextHop{IpAddress::FromString("192.0.2.2"), 0, false, 2});
  Route b = a;
  std::swap(b.next_hops[0], b.next_hops[1]);
  CHECK(DiffRoutes(std::vector{a}, std::vector{b}).empty());
  b.next_hops[0].weight = 1;
  const auto ops = DiffRoutes(std::vector{a}, std::vector{b});
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].kind == Kind::kReplace);
  // Going from one next hop to two is a replace of the same key.
  const auto grow = DiffRoutes(std::vector{a}, std::vector{R("203.0.113.0/24", "198.51.100.2")});
  REQUIRE(grow.size() == 1);
  CHECK(grow[0].kind == Kind::kReplace);
}

TEST_CASE("diff: tables separate keys; the last desired route of one key wins") {
  Route main_table = R("203.0.113.0/24", "198.51.100.2");
  Route other_table = main_table;
  other_table.table = 77;
  CHECK(DiffRoutes(std::vector{main_table, other_table}, std::vector{main_table}).size() == 1);

  const std::vector<Route> twice = {R("203.0.113.0/24", "198.51.100.2"),
                                    R("203.0.113.0/24", "198.51.100.3")};
  const auto ops = DiffRoutes(twice, {});
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].route == twice[1]);
}

TEST_CASE("diff: an empty desired set deletes every current route (cleanup)") {
  const std::vector<Route> current = {R("203.0.113.0/24", "198.51.100.2"),
                                      R("2001:db8:2::/64", "2001:db8::2")};
  const auto ops = DiffRoutes({}, current);
  REQUIRE(ops.size() == 2);
  for (const auto& op : ops) CHECK(op.kind == Kind::kDelete);
}

}  // namespace
}  // namespace kr::route
