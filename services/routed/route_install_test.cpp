// RouteInstaller against the fake kernel: Update writes only what differs from what it wrote
// (add, replace, delete, in one batch, adds first), leaves other owners' routes alone, and
// SyncAll dumps and repairs.
#include "services/routed/route_install.h"

#include <catch2/catch.hpp>

#include "common/route/fake_route_kernel.h"

namespace kr::routed {
namespace {

bgp::IpPrefix P(const char* text) {
  return *bgp::IpPrefix::Parse(text);
}
bgp::IpAddress A(const char* text) {
  return *bgp::IpAddress::Parse(text);
}

std::string Text(const std::vector<route::Route>& routes) {
  std::string text;
  for (const auto& r : routes) text += r.ToString() + "\n";
  return text;
}

TEST_CASE("routed route install: Update writes only the changed prefixes") {
  route::FakeRouteKernel kernel;
  RouteInstaller installer(kernel);
  REQUIRE(installer
              .SyncAll({{P("10.244.2.0/24"), A("192.0.2.2")}, {P("10.244.3.0/24"), A("192.0.2.3")}},
                       PlainRoute)
              .ok());
  const int writes = kernel.route_writes();

  route::SyncResult result = installer.Update({{P("10.244.2.0/24"), A("192.0.2.2")},  // same
                                               {P("10.244.3.0/24"), A("192.0.2.4")},  // moved
                                               {P("10.244.4.0/24"), A("192.0.2.4")},  // new
                                               {P("10.244.9.0/24"), std::nullopt}},   // unknown
                                              PlainRoute);
  CHECK(result.ok());
  CHECK(result.added == 1);
  CHECK(result.replaced == 1);
  CHECK(kernel.route_writes() == writes + 2);
  CHECK(Text(kernel.OurRoutes()) ==
        "10.244.2.0/24 via 192.0.2.2 table 254 metric 0\n"
        "10.244.3.0/24 via 192.0.2.4 table 254 metric 0\n"
        "10.244.4.0/24 via 192.0.2.4 table 254 metric 0\n");

  result = installer.Update({{P("10.244.2.0/24"), std::nullopt}}, PlainRoute);
  CHECK(result.deleted == 1);
  CHECK(installer.written().size() == 2);
  CHECK(kernel.OurRoutes().size() == 2);

  // Gone behind our back: a delete still counts as done (ESRCH).
  const route::Route three = installer.written().at(P("10.244.3.0/24"));
  REQUIRE(kernel.DeleteRoute(three).ok());
  result = installer.Update({{P("10.244.3.0/24"), std::nullopt}}, PlainRoute);
  CHECK(result.ok());
  CHECK(result.deleted == 1);
}

TEST_CASE("routed route install: a shaper that skips or moves a key") {
  route::FakeRouteKernel kernel;
  RouteInstaller installer(kernel);
  uint32_t metric = 0;
  const RouteShaper shaper = [&metric](const LearnedRoute& learned) -> std::optional<route::Route> {
    if (learned.next_hop == A("192.0.2.99")) return std::nullopt;  // e.g. no tunnel to it
    auto r = PlainRoute(learned);
    if (r) r->metric = metric;
    return r;
  };
  REQUIRE(installer.Update({{P("10.244.2.0/24"), A("192.0.2.2")}}, shaper).ok());
  metric = 10;  // a new key for the same prefix: added, then the old key deleted
  route::SyncResult result = installer.Update({{P("10.244.2.0/24"), A("192.0.2.3")}}, shaper);
  CHECK(result.added == 1);
  CHECK(result.deleted == 1);
  CHECK(Text(kernel.OurRoutes()) == "10.244.2.0/24 via 192.0.2.3 table 254 metric 10\n");
  result = installer.Update({{P("10.244.2.0/24"), A("192.0.2.99")}}, shaper);
  CHECK(result.deleted == 1);
  CHECK(kernel.OurRoutes().empty());
  CHECK(installer.written().empty());
}

TEST_CASE("routed route install: another owner's route is not replaced; SyncAll repairs drift") {
  route::FakeRouteKernel kernel;
  kernel.AddForeignRoute(
      route::Route{.destination = route::IpPrefix::FromString("10.244.5.0/24"),
                   .next_hops = {{.gateway = route::IpAddress::FromString("192.0.2.254")}}},
      RTPROT_STATIC);
  RouteInstaller installer(kernel);
  route::SyncResult result = installer.Update({{P("10.244.5.0/24"), A("192.0.2.5")}}, PlainRoute);
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].code == EEXIST);
  CHECK(kernel.ForeignRoutes().size() == 1);

  REQUIRE(installer.Update({{P("10.244.6.0/24"), A("192.0.2.6")}}, PlainRoute).ok());
  REQUIRE(kernel.DeleteRoute(installer.written().at(P("10.244.6.0/24"))).ok());
  result = installer.SyncAll({{P("10.244.6.0/24"), A("192.0.2.6")}}, PlainRoute);
  CHECK(result.ok());
  CHECK(result.added == 1);
  CHECK(Text(kernel.OurRoutes()) == "10.244.6.0/24 via 192.0.2.6 table 254 metric 0\n");
  CHECK(kernel.ForeignRoutes().size() == 1);
}

}  // namespace
}  // namespace kr::routed
