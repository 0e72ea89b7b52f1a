// OverlayNodes as the controller's node hook and route shaper, over FakeRouteKernel: tunnels
// only to peers outside our subnet (--overlay-type=subnet), their pod CIDRs routed through the
// tunnel, same-subnet peers via their address; a node leaving takes its tunnel; the overlay
// turned off removes our tunnels; cleanup.
#include "services/routed/overlay_nodes.h"

#include <catch2/catch.hpp>

#include "common/route/fake_route_kernel.h"
#include "services/routed/fake_bgp_control.h"

namespace kr::routed {
namespace {

model::Node MakeNode(const std::string& name, const std::string& ip, const std::string& cidr) {
  model::Node node;
  node.name = name;
  node.addresses = {{"Hostname", name}, {"InternalIP", ip}};
  node.pod_cidrs = {cidr};
  return node;
}

// Our node address 192.0.2.1/24 on interface 2.
Expected<LocalInterface> FakeInterfaces(const route::IpAddress& address) {
  if (address.ToString() != "192.0.2.1") return Error{ENOENT, "no interface holds it"};
  return LocalInterface{route::IpPrefix::FromString("192.0.2.0/24"), 2};
}

struct Cluster {
  explicit Cluster(bool enabled, overlay::OverlayType type = overlay::OverlayType::kSubnet)
      : overlay(enabled, type, kernel, FakeInterfaces),
        controller(Options(), bgp, kernel, nullptr) {
    controller.AddNodeHook("overlay", [this](const NodesSnapshot& s) { return overlay.Sync(s); });
    controller.SetRouteShaper([this](const LearnedRoute& r) { return overlay.Shape(r); });
    controller.UpsertNode(MakeNode("a", "192.0.2.1", "10.244.1.0/24"));
    controller.UpsertNode(MakeNode("b", "192.0.2.2", "10.244.2.0/24"));
    controller.UpsertNode(MakeNode("c", "198.51.100.3", "10.244.3.0/24"));
    controller.MarkInSync();
    bgp.Learn("10.244.2.0/24", "192.0.2.2");
    bgp.Learn("10.244.3.0/24", "198.51.100.3");
  }
  static RoutedOptions Options() {
    RoutedOptions o;
    o.node_name = "a";
    o.enable_cni = false;
    return o;
  }
  void Sync(SyncKind kind = SyncKind::kIncremental) {
    Status s = controller.Sync(kind, stop.token());
    INFO((s ? "" : s.error().message));
    REQUIRE(s.ok());
  }
  std::vector<route::Tunnel> Tunnels() {
    auto listed = kernel.ListTunnels();
    REQUIRE(listed);
    return *listed;
  }
  std::string Kernel() const {
    std::string text;
    for (const auto& r : kernel.OurRoutes()) text += r.ToString() + "\n";
    return text;
  }

  FakeBgpControl bgp;
  route::FakeRouteKernel kernel;
  StopSource stop;
  OverlayNodes overlay;
  RoutedController controller;
};

TEST_CASE("routed overlay: a tunnel to the peer outside our subnet carries its pod CIDR") {
  Cluster c(true);
  c.Sync(SyncKind::kFull);
  const std::vector<route::Tunnel> tunnels = c.Tunnels();
  REQUIRE(tunnels.size() == 1);
  CHECK(tunnels[0].spec.remote.ToString() == "198.51.100.3");
  CHECK(tunnels[0].spec.local.ToString() == "192.0.2.1");
  CHECK(tunnels[0].spec.underlay_ifindex == 2);
  const std::string kernel = c.Kernel();
  INFO(kernel);
  CHECK(kernel.find("10.244.2.0/24 via 192.0.2.2") != std::string::npos);
  CHECK(kernel.find("10.244.3.0/24") != std::string::npos);
  CHECK(kernel.find("10.244.3.0/24 via") == std::string::npos);  // not a plain next hop
  CHECK(kernel.find("src 192.0.2.1") != std::string::npos);

  // The node leaves: its tunnel goes with it (and its route).
  c.controller.RemoveNode("c");
  c.bgp.Forget("10.244.3.0/24");
  c.Sync();
  CHECK(c.Tunnels().empty());
  CHECK(c.Kernel() == "10.244.2.0/24 via 192.0.2.2 table 254 metric 0\n");
}

TEST_CASE("routed overlay: full type tunnels to every peer") {
  Cluster c(true, overlay::OverlayType::kFull);
  c.Sync(SyncKind::kFull);
  CHECK(c.Tunnels().size() == 2);
  CHECK(c.Kernel().find(" via ") == std::string::npos);
}

TEST_CASE("routed overlay: turned off, our tunnels go; other subnets are left to the network") {
  {
    Cluster on(true);
    on.Sync(SyncKind::kFull);
    REQUIRE(on.Tunnels().size() == 1);
    // Same kernel, overlay now off (a restart with --enable-overlay=false).
    OverlayNodes off(false, overlay::OverlayType::kSubnet, on.kernel, FakeInterfaces);
    RoutedController controller(Cluster::Options(), on.bgp, on.kernel, nullptr);
    controller.AddNodeHook("overlay", [&off](const NodesSnapshot& s) { return off.Sync(s); });
    controller.SetRouteShaper([&off](const LearnedRoute& r) { return off.Shape(r); });
    controller.UpsertNode(MakeNode("a", "192.0.2.1", "10.244.1.0/24"));
    controller.UpsertNode(MakeNode("b", "192.0.2.2", "10.244.2.0/24"));
    controller.UpsertNode(MakeNode("c", "198.51.100.3", "10.244.3.0/24"));
    controller.MarkInSync();
    REQUIRE(controller.Sync(SyncKind::kFull, on.stop.token()).ok());
    CHECK(on.Tunnels().empty());
    // b shares our subnet: via its address. c does not: no route of ours (the kernel would
    // refuse one via a gateway that is not on-link).
    CHECK(on.Kernel() == "10.244.2.0/24 via 192.0.2.2 table 254 metric 0\n");
  }
}

TEST_CASE("routed overlay: cleanup removes our tunnels whatever the config") {
  Cluster c(true, overlay::OverlayType::kFull);
  c.Sync(SyncKind::kFull);
  REQUIRE(c.Tunnels().size() == 2);
  c.kernel.AddPlainInterface("eth9");
  OverlayNodes cleaner(false, overlay::OverlayType::kSubnet, c.kernel, FakeInterfaces);
  REQUIRE(cleaner.Cleanup().ok());
  CHECK(c.Tunnels().empty());
}

TEST_CASE("routed overlay: until our address is on an interface, routes are plain") {
  route::FakeRouteKernel kernel;
  OverlayNodes overlay(true, overlay::OverlayType::kSubnet, kernel, [](const route::IpAddress&) {
    return Expected<LocalInterface>(Error{ENOENT, "no interface holds it"});
  });
  std::map<std::string, model::Node> nodes{{"a", MakeNode("a", "192.0.2.1", "10.244.1.0/24")},
                                           {"c", MakeNode("c", "198.51.100.3", "10.244.3.0/24")}};
  const std::string self = "a";
  REQUIRE(overlay.Sync(NodesSnapshot{nodes, self, true}));
  auto route = overlay.Shape(
      LearnedRoute{*bgp::IpPrefix::Parse("10.244.3.0/24"), *bgp::IpAddress::Parse("198.51.100.3")});
  REQUIRE(route);
  CHECK(route->ToString().find("via 198.51.100.3") != std::string::npos);
  auto listed = kernel.ListTunnels();
  REQUIRE(listed);
  CHECK(listed->empty());
}

TEST_CASE("routed overlay: NodeIps prefers InternalIP, else ExternalIP") {
  model::Node node;
  node.addresses = {{"ExternalIP", "203.0.113.5"}, {"Hostname", "x"}};
  REQUIRE(NodeIps(node).size() == 1);
  CHECK(NodeIps(node)[0].ToString() == "203.0.113.5");
  node.addresses.push_back({"InternalIP", "192.0.2.7"});
  node.addresses.push_back({"InternalIP", "2001:db8::7"});
  REQUIRE(NodeIps(node).size() == 2);
  CHECK(NodeIps(node)[0].ToString() == "192.0.2.7");
  CHECK(NodeIps(node)[1].ToString() == "2001:db8::7");
}

}  // namespace
}  // namespace kr::routed
