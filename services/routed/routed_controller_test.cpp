// RoutedController with FakeBgpControl and FakeRouteKernel: the peer set and local identity
// from bus Nodes and annotations (malformed ones skipped), pod CIDR fallback, learned routes
// into the kernel, node deletion (also our own: what we originate is withdrawn), held routes,
// adoption after a restart, CNI file, cleanup;
// service IPs from AdvertisedServices originated and withdrawn; node hooks' schedule.
#include "services/routed/routed_controller.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/metrics/registry.h"
#include "common/route/fake_route_kernel.h"
#include "common/runtime/fake_clock.h"
#include "services/routed/dry_run_route_kernel.h"
#include "services/routed/fake_bgp_control.h"

namespace kr::routed {
namespace {

using route::FakeRouteKernel;

model::Node MakeNode(const std::string& name, const std::string& ip,
                     std::vector<std::string> pod_cidrs, model::StringMap annotations = {}) {
  model::Node node;
  node.name = name;
  node.addresses = {{"Hostname", name}, {"InternalIP", ip}};
  node.pod_cidrs = std::move(pod_cidrs);
  node.annotations = std::move(annotations);
  return node;
}

RoutedOptions Options() {
  RoutedOptions o;
  o.node_name = "a";
  o.bgp_port = 1790;
  o.enable_cni = false;
  o.stale_route_hold = std::chrono::seconds(90);
  return o;
}

std::string RoutesText(const std::vector<route::Route>& routes) {
  std::string text;
  for (const auto& r : routes) text += r.ToString() + "\n";
  return text;
}

// The fake kernel, remembering every route write and dump, to check that a sync is minimal.
class RecordingKernel final : public FakeRouteKernel {
 public:
  Status AddRoute(const route::Route& r) override {
    ops.push_back("add " + r.ToString());
    return FakeRouteKernel::AddRoute(r);
  }
  Status ReplaceRoute(const route::Route& r) override {
    ops.push_back("replace " + r.ToString());
    return FakeRouteKernel::ReplaceRoute(r);
  }
  Status DeleteRoute(const route::Route& r) override {
    ops.push_back("delete " + r.ToString());
    return FakeRouteKernel::DeleteRoute(r);
  }
  Expected<std::vector<route::Route>> DumpRoutes(const route::RouteFilter& filter) override {
    ++dumps;
    return FakeRouteKernel::DumpRoutes(filter);
  }
  void Forget() {
    ops.clear();
    dumps = 0;
  }

  std::vector<std::string> ops;
  int dumps = 0;
};

struct Fixture {
  explicit Fixture(RoutedOptions o = Options(), CniSeam cni = {})
      : metrics(registry), controller(o, bgp, kernel, &metrics, std::move(cni), clock) {}

  void Sync(SyncKind kind = SyncKind::kIncremental) {
    Status s = controller.Sync(kind, stop.token());
    INFO((s ? "" : s.error().message));
    REQUIRE(s.ok());
  }
  void ThreeNodes() {
    controller.UpsertNode(MakeNode("a", "192.0.2.1", {"10.244.1.0/24"}));
    controller.UpsertNode(MakeNode("b", "192.0.2.2", {"10.244.2.0/24"}));
    controller.UpsertNode(MakeNode("c", "192.0.2.3", {"10.244.3.0/24"}));
    controller.MarkInSync();
  }
  std::string Kernel() const { return RoutesText(kernel.OurRoutes()); }
  double Metric(const std::string& name) {
    std::istringstream in(registry.Expose());
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
    }
    return -1;
  }

  metrics::Registry registry;
  RoutedMetrics metrics;
  FakeBgpControl bgp;
  RecordingKernel kernel;
  FakeClock clock;
  StopSource stop;
  RoutedController controller;
};

TEST_CASE("routed: nothing happens before the bus is in sync") {
  Fixture f;
  f.controller.UpsertNode(MakeNode("a", "192.0.2.1", {"10.244.1.0/24"}));
  f.Sync(SyncKind::kFull);
  CHECK(f.bgp.configure_calls() == 0);
  CHECK(f.kernel.route_writes() == 0);
}

TEST_CASE("routed: full mesh peers every other node under the cluster ASN") {
  Fixture f;
  f.ThreeNodes();
  f.Sync(SyncKind::kFull);
  REQUIRE(f.bgp.plan());
  const BgpPlan& plan = *f.bgp.plan();
  CHECK(plan.local_asn == kDefaultClusterAsn);
  CHECK(plan.router_id == 0xc0000201);
  CHECK(plan.local_address.ToString() == "192.0.2.1");
  CHECK(f.bgp.PeerAddresses() == std::set<std::string>{"192.0.2.2", "192.0.2.3"});
  for (const BgpPeerSpec& p : plan.peers) {
    CHECK(p.asn == kDefaultClusterAsn);
    CHECK(p.port == 1790);
    CHECK(p.cluster_node);
  }
  CHECK(f.bgp.Originated() == std::set<std::string>{"10.244.1.0/24"});
  CHECK(f.Metric("kube_router_controller_bgp_peers") == 2);
}

TEST_CASE("routed: learned routes become kernel routes via their next hop, except our own") {
  Fixture f;
  f.ThreeNodes();
  f.kernel.AddForeignRoute(
      route::Route{.destination = route::IpPrefix::FromString("203.0.113.0/24"),
                   .next_hops = {{.gateway = route::IpAddress::FromString("192.0.2.254")}}},
      RTPROT_STATIC);
  f.bgp.Learn("10.244.2.0/24", "192.0.2.2");
  f.bgp.Learn("10.244.3.0/24", "192.0.2.3");
  f.bgp.Learn("10.244.1.0/24", "192.0.2.3");  // our own CIDR, from a peer: never installed
  f.Sync(SyncKind::kFull);
  CHECK(f.Kernel() ==
        "10.244.2.0/24 via 192.0.2.2 table 254 metric 0\n"
        "10.244.3.0/24 via 192.0.2.3 table 254 metric 0\n");
  CHECK(f.kernel.ForeignRoutes().size() == 1);

  // Nothing changed: an incremental sync (the Loc-RIB poll) writes nothing.
  const int writes = f.kernel.route_writes();
  const int reads = f.bgp.loc_rib_calls();
  f.Sync();
  CHECK(f.kernel.route_writes() == writes);
  CHECK(f.bgp.loc_rib_calls() == reads);  // the Loc-RIB generation did not move
  CHECK(f.Metric("kr_routed_kernel_routes") == 2);
}

TEST_CASE("routed: a Loc-RIB change writes only the changed prefixes, without a dump") {
  Fixture f;
  f.ThreeNodes();
  for (int i = 0; i < 20; ++i) f.bgp.Learn("198.18." + std::to_string(i) + ".0/24", "192.0.2.2");
  f.Sync(SyncKind::kFull);
  REQUIRE(f.kernel.OurRoutes().size() == 20);
  const int reads = f.bgp.loc_rib_calls();

  SECTION("a new prefix: one add") {
    f.kernel.Forget();
    f.bgp.Learn("10.244.3.0/24", "192.0.2.3");
    f.Sync();
    CHECK(f.kernel.ops ==
          std::vector<std::string>{"add 10.244.3.0/24 via 192.0.2.3 table 254 metric 0"});
  }
  SECTION("a prefix moves to another next hop: one replace") {
    f.kernel.Forget();
    f.bgp.Learn("198.18.7.0/24", "192.0.2.3");
    f.Sync();
    CHECK(f.kernel.ops ==
          std::vector<std::string>{"replace 198.18.7.0/24 via 192.0.2.3 table 254 metric 0"});
  }
  SECTION("a prefix no node claims leaves BGP: one delete") {
    f.kernel.Forget();
    f.bgp.Forget("198.18.7.0/24");
    f.Sync();
    CHECK(f.kernel.ops ==
          std::vector<std::string>{"delete 198.18.7.0/24 via 192.0.2.2 table 254 metric 0"});
  }
  CHECK(f.kernel.dumps == 0);
  CHECK(f.bgp.loc_rib_calls() == reads);  // followed by changes, not copied again
  CHECK(f.kernel.OurRoutes().size() == f.controller.kernel_routes().size());
  CHECK(f.Metric("kr_routed_kernel_routes") ==
        static_cast<double>(f.controller.kernel_routes().size()));
}

TEST_CASE(
    "routed: without known Loc-RIB changes, the table is copied and still only changes written") {
  Fixture f;
  f.bgp.set_track_changes(false);
  f.ThreeNodes();
  f.bgp.Learn("10.244.2.0/24", "192.0.2.2");
  f.Sync(SyncKind::kFull);
  f.kernel.Forget();
  const int reads = f.bgp.loc_rib_calls();
  f.bgp.Learn("10.244.3.0/24", "192.0.2.3");
  f.Sync();
  CHECK(f.bgp.loc_rib_calls() == reads + 1);
  CHECK(f.kernel.ops ==
        std::vector<std::string>{"add 10.244.3.0/24 via 192.0.2.3 table 254 metric 0"});
  CHECK(f.kernel.dumps == 0);
}

TEST_CASE("routed: a kernel route removed or changed behind our back is repaired by a full sync") {
  Fixture f;
  f.ThreeNodes();
  f.bgp.Learn("10.244.2.0/24", "192.0.2.2");
  f.bgp.Learn("10.244.3.0/24", "192.0.2.3");
  f.Sync(SyncKind::kFull);
  REQUIRE(f.kernel.OurRoutes().size() == 2);
  const route::Route b{.destination = route::IpPrefix::FromString("10.244.2.0/24"),
                       .next_hops = {{.gateway = route::IpAddress::FromString("192.0.2.2")}}};
  REQUIRE(f.kernel.DeleteRoute(b).ok());  // someone else's `ip route del ... proto 17`
  f.kernel.Forget();

  // Incremental syncs trust what they wrote: nothing to do while the Loc-RIB stays.
  f.Sync();
  CHECK(f.kernel.ops.empty());
  CHECK(f.kernel.OurRoutes().size() == 1);

  f.Sync(SyncKind::kFull);
  CHECK(f.kernel.dumps == 1);
  CHECK(f.kernel.ops ==
        std::vector<std::string>{"add 10.244.2.0/24 via 192.0.2.2 table 254 metric 0"});
  CHECK(f.Kernel() ==
        "10.244.2.0/24 via 192.0.2.2 table 254 metric 0\n"
        "10.244.3.0/24 via 192.0.2.3 table 254 metric 0\n");
}

TEST_CASE("routed: a failed incremental write is repaired by dump and diff on the next sync") {
  Fixture f;
  f.ThreeNodes();
  f.bgp.Learn("10.244.2.0/24", "192.0.2.2");
  f.Sync(SyncKind::kFull);
  f.bgp.Learn("10.244.3.0/24", "192.0.2.3");
  f.kernel.FailNextCall(Error{ENOBUFS, "injected"});
  CHECK_FALSE(f.controller.Sync(SyncKind::kIncremental, f.stop.token()).ok());
  CHECK(f.kernel.OurRoutes().size() == 1);
  f.kernel.Forget();
  f.Sync();
  CHECK(f.kernel.dumps == 1);
  CHECK(f.kernel.ops ==
        std::vector<std::string>{"add 10.244.3.0/24 via 192.0.2.3 table 254 metric 0"});
}

TEST_CASE("routed: a deleted node loses its peer and its routes at once") {
  Fixture f;
  f.ThreeNodes();
  f.bgp.Learn("10.244.2.0/24", "192.0.2.2");
  f.bgp.Learn("10.244.3.0/24", "192.0.2.3");
  f.Sync(SyncKind::kFull);
  REQUIRE(f.kernel.OurRoutes().size() == 2);

  f.controller.RemoveNode("c");
  f.Sync();
  CHECK(f.bgp.PeerAddresses() == std::set<std::string>{"192.0.2.2"});
  CHECK(f.Kernel() == "10.244.2.0/24 via 192.0.2.2 table 254 metric 0\n");
  CHECK(f.controller.held_routes() == 0);
}

TEST_CASE("routed: a node whose session drops keeps its route for the hold time") {
  Fixture f;
  f.ThreeNodes();
  f.bgp.Learn("10.244.2.0/24", "192.0.2.2");
  f.bgp.Learn("10.244.3.0/24", "192.0.2.3");
  f.Sync(SyncKind::kFull);

  f.bgp.SetSessionUp("192.0.2.2", false);  // b's routed restarts
  f.Sync();
  CHECK(f.kernel.OurRoutes().size() == 2);
  CHECK(f.controller.held_routes() == 1);
  CHECK(f.Metric("kr_routed_held_routes") == 1);

  f.clock.Advance(std::chrono::seconds(60));
  f.Sync();
  CHECK(f.kernel.OurRoutes().size() == 2);

  SECTION("the session returns: the route is learned again, no longer held") {
    f.bgp.SetSessionUp("192.0.2.2", true);
    f.Sync();
    CHECK(f.controller.held_routes() == 0);
    f.clock.Advance(std::chrono::seconds(60));
    f.Sync();
    CHECK(f.kernel.OurRoutes().size() == 2);
  }
  SECTION("it does not return: the route goes when the hold time is over") {
    f.clock.Advance(std::chrono::seconds(31));
    f.Sync();
    CHECK(f.Kernel() == "10.244.3.0/24 via 192.0.2.3 table 254 metric 0\n");
  }
  SECTION("the node changes its pod CIDR: the held route goes at once") {
    f.controller.UpsertNode(MakeNode("b", "192.0.2.2", {"10.244.9.0/24"}));
    f.Sync();
    CHECK(f.Kernel() == "10.244.3.0/24 via 192.0.2.3 table 254 metric 0\n");
  }
}

TEST_CASE("routed: after a restart, kernel routes of known nodes are adopted, others removed") {
  Fixture f;
  // Left by the previous run (our protocol).
  REQUIRE(f.kernel
              .AddRoute(route::Route{
                  .destination = route::IpPrefix::FromString("10.244.2.0/24"),
                  .next_hops = {{.gateway = route::IpAddress::FromString("192.0.2.2")}}})
              .ok());
  REQUIRE(f.kernel
              .AddRoute(route::Route{
                  .destination = route::IpPrefix::FromString("10.244.7.0/24"),
                  .next_hops = {{.gateway = route::IpAddress::FromString("192.0.2.7")}}})
              .ok());
  f.ThreeNodes();
  f.Sync(SyncKind::kFull);  // no session is up yet: the Loc-RIB is empty
  CHECK(f.Kernel() == "10.244.2.0/24 via 192.0.2.2 table 254 metric 0\n");
  f.bgp.Learn("10.244.2.0/24", "192.0.2.2");
  f.Sync();
  CHECK(f.controller.held_routes() == 0);
  CHECK(f.Kernel() == "10.244.2.0/24 via 192.0.2.2 table 254 metric 0\n");
}

TEST_CASE("routed: per-node ASN, external peers from flags and from our annotations") {
  RoutedOptions o = Options();
  BgpPeerSpec router;
  router.address = *bgp::IpAddress::Parse("198.51.100.1");
  router.asn = 65100;
  router.origin = "--peer-router-ips";
  o.global_peers = {router};
  Fixture f(o);
  f.controller.UpsertNode(MakeNode("a", "192.0.2.1", {"10.244.1.0/24"},
                                   {{"kube-router.io/node.asn", "65010"},
                                    {"kube-router.io/peer.ips", "198.51.100.2, 198.51.100.3"},
                                    {"kube-router.io/peer.asns", "65200,65300"},
                                    {"kube-router.io/peer.passwords", "c2VjcmV0,b3RoZXI="},
                                    {"kube-router.io/peer.ports", "179,1179"}}));
  f.controller.UpsertNode(MakeNode("b", "192.0.2.2", {"10.244.2.0/24"}));
  f.controller.MarkInSync();
  f.Sync(SyncKind::kFull);
  REQUIRE(f.bgp.plan());
  const BgpPlan& plan = *f.bgp.plan();
  CHECK(plan.local_asn == 65010);
  REQUIRE(plan.peers.size() == 4);
  CHECK(plan.peers[0].address.ToString() == "192.0.2.2");
  CHECK(plan.peers[0].asn == 65010);  // iBGP under our own ASN, as kube-router
  CHECK(plan.peers[1].asn == 65100);
  CHECK(plan.peers[2].asn == 65200);
  CHECK(plan.peers[2].password == "secret");
  CHECK(plan.peers[2].port == 179);
  CHECK(plan.peers[3].password == "other");
  CHECK(plan.peers[3].port == 1179);
  CHECK(f.Metric("kr_routed_bad_input_total") == 0);
}

TEST_CASE("routed: malformed annotations are skipped, counted, and disturb nothing else") {
  Fixture f;
  f.controller.UpsertNode(MakeNode("a", "192.0.2.1", {"10.244.1.0/24"},
                                   {{"kube-router.io/peer.ips", "198.51.100.2,not-an-ip"},
                                    {"kube-router.io/peer.asns", "65200,65300"},
                                    {"kube-router.io/peer.passwords", "c2VjcmV0,%%%"}}));
  f.controller.UpsertNode(
      MakeNode("b", "192.0.2.2", {"10.244.2.0/24"}, {{"kube-router.io/node.asn", "sixty-five"}}));
  f.controller.UpsertNode(
      MakeNode("c", "192.0.2.3", {"10.244.3.0/24"},
               {{"kube-router.io/peer.ips", "198.51.100.9"}, {"kube-router.io/peer.asns", "1,2"}}));
  f.controller.MarkInSync();
  f.bgp.Learn("10.244.2.0/24", "192.0.2.2");
  f.bgp.Learn("10.244.3.0/24", "192.0.2.3");
  f.Sync(SyncKind::kFull);
  CHECK(f.bgp.PeerAddresses() == std::set<std::string>{"192.0.2.2", "192.0.2.3", "198.51.100.2"});
  CHECK(f.kernel.OurRoutes().size() == 2);
  CHECK(f.Metric("kr_routed_bad_input_total") == 3);  // a's bad IP, b's ASN, c's count
  CHECK(f.Metric("kr_routed_node_problems") == 3);
  CHECK(f.controller.nodes().at("b").problems.size() == 1);

  // The same bad input again is not counted twice; fixing it clears the gauge.
  f.controller.UpsertNode(
      MakeNode("b", "192.0.2.2", {"10.244.2.0/24"}, {{"kube-router.io/node.asn", "sixty-five"}}));
  f.Sync();
  CHECK(f.Metric("kr_routed_bad_input_total") == 3);
  f.controller.UpsertNode(MakeNode("b", "192.0.2.2", {"10.244.2.0/24"}));
  f.Sync();
  CHECK(f.Metric("kr_routed_node_problems") == 2);
}

TEST_CASE("routed: pod CIDR from the annotation when spec.podCIDRs is empty; bad CIDRs skipped") {
  Fixture f;
  f.controller.UpsertNode(
      MakeNode("a", "192.0.2.1", {}, {{"kube-router.io/pod-cidr", "10.244.1.0/24"}}));
  f.controller.UpsertNode(MakeNode("b", "192.0.2.2", {"10.244.2.1/24", "fd00:2::/64"}));
  f.controller.MarkInSync();
  f.Sync(SyncKind::kFull);
  CHECK(f.bgp.Originated() == std::set<std::string>{"10.244.1.0/24"});
  const NodeView& b = f.controller.nodes().at("b");
  REQUIRE(b.pod_cidrs.size() == 1);
  CHECK(b.pod_cidrs[0].ToString() == "fd00:2::/64");
  CHECK(b.problems.size() == 1);

  // Our own pod CIDR malformed: nothing originated, BGP still runs.
  f.controller.UpsertNode(MakeNode("a", "192.0.2.1", {"10.244.1.7/24"}));
  f.Sync();
  CHECK(f.bgp.Originated().empty());
  CHECK(f.bgp.PeerAddresses() == std::set<std::string>{"192.0.2.2"});
}

TEST_CASE("routed: route reflector roles by annotation") {
  Fixture f;
  SECTION("a client peers only with servers") {
    f.controller.UpsertNode(
        MakeNode("a", "192.0.2.1", {"10.244.1.0/24"}, {{"kube-router.io/rr.client", "1"}}));
    f.controller.UpsertNode(
        MakeNode("b", "192.0.2.2", {"10.244.2.0/24"}, {{"kube-router.io/rr.server", "1"}}));
    f.controller.UpsertNode(
        MakeNode("c", "192.0.2.3", {"10.244.3.0/24"}, {{"kube-router.io/rr.client", "1"}}));
    f.controller.MarkInSync();
    f.Sync(SyncKind::kFull);
    CHECK(f.bgp.PeerAddresses() == std::set<std::string>{"192.0.2.2"});
    CHECK(f.bgp.plan()->route_reflector_client);
  }
  SECTION("a server marks clients of its cluster id") {
    f.controller.UpsertNode(
        MakeNode("a", "192.0.2.1", {"10.244.1.0/24"}, {{"kube-router.io/rr.server", "1"}}));
    f.controller.UpsertNode(
        MakeNode("b", "192.0.2.2", {"10.244.2.0/24"}, {{"kube-router.io/rr.client", "1"}}));
    f.controller.UpsertNode(
        MakeNode("c", "192.0.2.3", {"10.244.3.0/24"}, {{"kube-router.io/rr.client", "2"}}));
    f.controller.MarkInSync();
    f.Sync(SyncKind::kFull);
    const BgpPlan& plan = *f.bgp.plan();
    REQUIRE(plan.peers.size() == 2);
    CHECK(plan.route_reflector_server);
    CHECK(plan.peers[0].route_reflector_client);
    CHECK_FALSE(plan.peers[1].route_reflector_client);
  }
}

TEST_CASE("routed: without full mesh, the node ASN annotation is required and selects peers") {
  RoutedOptions o = Options();
  o.nodes_full_mesh = false;
  Fixture f(o);
  f.controller.UpsertNode(MakeNode("a", "192.0.2.1", {"10.244.1.0/24"}));
  f.controller.UpsertNode(
      MakeNode("b", "192.0.2.2", {"10.244.2.0/24"}, {{"kube-router.io/node.asn", "65001"}}));
  f.controller.MarkInSync();
  f.Sync(SyncKind::kFull);
  CHECK_FALSE(f.bgp.plan());  // logged; BGP waits for the annotation

  f.controller.UpsertNode(
      MakeNode("a", "192.0.2.1", {"10.244.1.0/24"}, {{"kube-router.io/node.asn", "65001"}}));
  f.controller.UpsertNode(
      MakeNode("c", "192.0.2.3", {"10.244.3.0/24"}, {{"kube-router.io/node.asn", "65002"}}));
  f.Sync();
  REQUIRE(f.bgp.plan());
  CHECK(f.bgp.PeerAddresses() == std::set<std::string>{"192.0.2.2"});
}

TEST_CASE("routed: a failed speaker configuration is retried and routes still sync") {
  Fixture f;
  f.ThreeNodes();
  f.bgp.FailNextConfigure(Error{EADDRINUSE, "bind: Address in use"});
  Status s = f.controller.Sync(SyncKind::kFull, f.stop.token());
  CHECK_FALSE(s.ok());
  f.Sync();
  CHECK(f.bgp.PeerAddresses().size() == 2);
}

TEST_CASE("routed: the CNI config gets our pod CIDRs and the auto MTU") {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("routed-cni-test-" + std::to_string(getpid()) + ".conflist"))
                               .string();
  struct Remove {
    std::string path;
    ~Remove() { std::filesystem::remove(path); }
  } remove{path};
  RoutedOptions o = Options();
  o.enable_cni = true;
  o.cni_conf_file = path;
  o.auto_mtu = true;
  CniSeam seam;
  std::string mtu_asked_for;
  seam.auto_mtu = [&](const std::string& ip, bool) -> Expected<int> {
    mtu_asked_for = ip;
    return 1450;
  };
  Fixture f(o, seam);
  f.ThreeNodes();
  f.Sync(SyncKind::kFull);
  std::ifstream in(path);
  REQUIRE(in);
  const nlohmann::json conf = nlohmann::json::parse(in);
  const nlohmann::json& bridge = conf.at("plugins").at(0);
  CHECK(bridge.at("bridge") == "kube-bridge");
  CHECK(bridge.at("mtu") == 1450);
  CHECK(bridge.at("ipam").at("ranges").dump().find("10.244.1.0/24") != std::string::npos);
  CHECK(mtu_asked_for == "192.0.2.1");
}

TEST_CASE("routed: cleanup removes exactly our routes") {
  Fixture f;
  f.ThreeNodes();
  f.bgp.Learn("10.244.2.0/24", "192.0.2.2");
  f.kernel.AddForeignRoute(
      route::Route{.destination = route::IpPrefix::FromString("203.0.113.0/24"),
                   .next_hops = {{.gateway = route::IpAddress::FromString("192.0.2.254")}}},
      RTPROT_STATIC);
  f.Sync(SyncKind::kFull);
  REQUIRE(f.kernel.OurRoutes().size() == 1);
  REQUIRE(f.controller.Cleanup().ok());
  CHECK(f.kernel.OurRoutes().empty());
  CHECK(f.kernel.ForeignRoutes().size() == 1);
}

TEST_CASE("routed: --dry-run reads the kernel and writes nothing") {
  FakeBgpControl bgp;
  FakeRouteKernel kernel;
  REQUIRE(kernel
              .AddRoute(route::Route{
                  .destination = route::IpPrefix::FromString("10.244.7.0/24"),
                  .next_hops = {{.gateway = route::IpAddress::FromString("192.0.2.7")}}})
              .ok());
  DryRunRouteKernel dry_run(kernel);
  FakeClock clock;
  StopSource stop;
  RoutedController controller(Options(), bgp, dry_run, nullptr, DryRunCniSeam(), clock);
  controller.UpsertNode(MakeNode("a", "192.0.2.1", {"10.244.1.0/24"}));
  controller.UpsertNode(MakeNode("b", "192.0.2.2", {"10.244.2.0/24"}));
  controller.MarkInSync();
  bgp.Learn("10.244.2.0/24", "192.0.2.2");
  REQUIRE(controller.Sync(SyncKind::kFull, stop.token()).ok());
  CHECK(controller.kernel_routes().size() == 1);  // what it would install
  CHECK(RoutesText(kernel.OurRoutes()) == "10.244.7.0/24 via 192.0.2.7 table 254 metric 0\n");
  CHECK(kernel.route_writes() == 1);  // only the test's own AddRoute
}

}  // namespace
}  // namespace kr::routed

namespace kr::routed {
namespace {

model::Service ClusterIpService(const std::string& name, const std::string& ip) {
  model::Service service;
  service.ns = "default";
  service.name = name;
  service.cluster_ips = {ip};
  return service;
}

advertise::AdvertiseOptions AdvertiseClusterIps() {
  advertise::AdvertiseOptions options;
  options.node_name = "a";
  options.advertise_cluster_ip = true;
  return options;
}

TEST_CASE("routed: --advertise-cluster-ip originates a service's cluster IP until it goes") {
  Fixture f;
  AdvertisedServices services(AdvertiseClusterIps());
  f.controller.SetAdvertisedServices(&services);
  f.ThreeNodes();
  f.bgp.Learn("10.96.0.10/32", "192.0.2.2");  // another node advertises it too
  f.Sync(SyncKind::kFull);
  CHECK(f.bgp.Originated() == std::set<std::string>{"10.244.1.0/24"});
  CHECK(f.Kernel() == "10.96.0.10/32 via 192.0.2.2 table 254 metric 0\n");

  services.UpsertService(ClusterIpService("dns", "10.96.0.10"));
  services.UpsertService(ClusterIpService("web", "2001:db8:96::20"));
  f.Sync();
  CHECK(f.bgp.Originated() ==
        std::set<std::string>{"10.244.1.0/24", "10.96.0.10/32", "2001:db8:96::20/128"});
  CHECK(f.Kernel().empty());  // we originate it: no route to another node's copy

  // Removing one service withdraws exactly its IP; the other stays.
  services.DeleteService("default/dns");
  f.Sync();
  CHECK(f.bgp.Originated() == std::set<std::string>{"10.244.1.0/24", "2001:db8:96::20/128"});
  CHECK(f.Kernel() == "10.96.0.10/32 via 192.0.2.2 table 254 metric 0\n");

  // A service that changes its IP: the old one is withdrawn, the new one announced.
  services.UpsertService(ClusterIpService("web", "2001:db8:96::21"));
  f.Sync();
  CHECK(f.bgp.Originated() == std::set<std::string>{"10.244.1.0/24", "2001:db8:96::21/128"});
}

// kube-router's pod would be going away with its node: what it originated is withdrawn (the
// cluster may give our pod CIDR to a new node); what lets pods still here reach the others stays.
TEST_CASE("routed: our own node deleted withdraws what we originate, keeps sessions and routes") {
  Fixture f;
  AdvertisedServices services(AdvertiseClusterIps());
  f.controller.SetAdvertisedServices(&services);
  services.UpsertService(ClusterIpService("dns", "10.96.0.10"));
  f.ThreeNodes();
  f.bgp.Learn("10.244.2.0/24", "192.0.2.2");
  f.bgp.Learn("10.244.3.0/24", "192.0.2.3");
  f.Sync(SyncKind::kFull);
  REQUIRE(f.bgp.Originated() == std::set<std::string>{"10.244.1.0/24", "10.96.0.10/32"});
  const std::string routes = f.Kernel();
  REQUIRE(f.kernel.OurRoutes().size() == 2);
  const double sent = f.Metric("kube_router_controller_bgp_advertisements_sent");

  f.controller.RemoveNode("a");
  f.Sync();
  CHECK(f.bgp.Originated().empty());
  CHECK(f.Metric("kube_router_controller_bgp_advertisements_sent") == sent + 2);
  CHECK(f.bgp.PeerAddresses() == std::set<std::string>{"192.0.2.2", "192.0.2.3"});
  CHECK(f.Kernel() == routes);

  // While we are away, nothing is written: a route leaving BGP stays, full syncs change nothing.
  const int writes = f.kernel.route_writes();
  f.bgp.Forget("10.244.3.0/24");
  f.clock.Advance(std::chrono::seconds(600));
  f.Sync();
  f.Sync(SyncKind::kFull);
  CHECK(f.kernel.route_writes() == writes);
  CHECK(f.Kernel() == routes);
  CHECK(f.bgp.Originated().empty());

  // Back on the bus: announced again; the route that left BGP is now held as any other (c
  // still claims it) and goes when the hold time is over.
  f.controller.UpsertNode(MakeNode("a", "192.0.2.1", {"10.244.1.0/24"}));
  f.Sync();
  CHECK(f.bgp.Originated() == std::set<std::string>{"10.244.1.0/24", "10.96.0.10/32"});
  CHECK(f.controller.held_routes() == 1);
  f.clock.Advance(std::chrono::seconds(91));
  f.Sync();
  CHECK(f.Kernel() == "10.244.2.0/24 via 192.0.2.2 table 254 metric 0\n");
}

TEST_CASE("routed: service IPs need the flag or the annotation, and the bus in sync") {
  Fixture f;
  advertise::AdvertiseOptions options = AdvertiseClusterIps();
  options.advertise_cluster_ip = false;
  AdvertisedServices services(options);
  f.controller.SetAdvertisedServices(&services);
  services.UpsertService(ClusterIpService("plain", "10.96.0.1"));
  model::Service opted_in = ClusterIpService("opted-in", "10.96.0.2");
  opted_in.annotations[advertise::kAdvertiseClusterIpAnnotation] = "true";
  services.UpsertService(opted_in);
  f.controller.UpsertNode(MakeNode("a", "192.0.2.1", {"10.244.1.0/24"}));
  f.Sync(SyncKind::kFull);
  CHECK(f.bgp.Originated().empty());  // not in sync yet: nothing configured

  f.controller.MarkInSync();
  f.Sync(SyncKind::kFull);
  CHECK(f.bgp.Originated() == std::set<std::string>{"10.244.1.0/24", "10.96.0.2/32"});
}

TEST_CASE("routed: a Local service follows endpoints on our node's address from the bus") {
  Fixture f;
  AdvertisedServices services(AdvertiseClusterIps());
  f.controller.SetAdvertisedServices(&services);
  model::Service local = ClusterIpService("local", "10.96.0.3");
  local.internal_traffic_policy = "Local";
  services.UpsertService(local);
  model::Endpoints endpoints;
  endpoints.ns = "default";
  endpoints.name = "local";
  model::Endpoint endpoint;
  endpoint.addresses = {"192.0.2.9"};  // no node name: local when it is one of our addresses
  endpoint.ready = true;
  endpoints.endpoints.push_back(endpoint);
  services.UpsertEndpoints(endpoints);
  f.ThreeNodes();
  f.Sync(SyncKind::kFull);
  CHECK(f.bgp.Originated() == std::set<std::string>{"10.244.1.0/24"});

  // Our node gains that address: the advertiser is rebuilt with it.
  model::Node a = MakeNode("a", "192.0.2.1", {"10.244.1.0/24"});
  a.addresses.push_back({"ExternalIP", "192.0.2.9"});
  f.controller.UpsertNode(a);
  f.Sync();
  CHECK(f.bgp.Originated() == std::set<std::string>{"10.244.1.0/24", "10.96.0.3/32"});

  services.DeleteEndpoints("default/local");
  f.Sync();
  CHECK(f.bgp.Originated() == std::set<std::string>{"10.244.1.0/24"});
}

TEST_CASE("routed: node hooks run on node changes and full syncs, before the routes") {
  Fixture f;
  std::vector<std::string> calls;
  Expected<bool> answer = false;
  f.controller.AddNodeHook("test", [&](const NodesSnapshot& snapshot) -> Expected<bool> {
    std::string call = snapshot.self + (snapshot.full ? " full" : " incremental") + ":";
    for (const auto& [name, node] : snapshot.nodes) call += " " + name;
    calls.push_back(call + " routes " + std::to_string(f.kernel.OurRoutes().size()));
    return answer;
  });
  f.ThreeNodes();
  f.bgp.Learn("10.244.2.0/24", "192.0.2.2");
  f.Sync();
  // Before the route sync: the kernel had no route yet when the hook ran.
  CHECK(calls == std::vector<std::string>{"a incremental: a b c routes 0"});
  CHECK(f.kernel.OurRoutes().size() == 1);

  f.Sync();  // nothing changed
  CHECK(calls.size() == 1);

  f.controller.RemoveNode("c");
  f.Sync();
  CHECK(calls.back() == "a incremental: a b routes 1");
  f.Sync(SyncKind::kFull);
  CHECK(calls.back() == "a full: a b routes 1");
  REQUIRE(calls.size() == 3);

  // Routes that depend on what a hook made (the overlay's tunnels) are rewritten in the sync
  // whose hook reports a change, even when the learned routes stayed the same.
  uint32_t metric = 0;
  f.controller.SetRouteShaper([&metric](const LearnedRoute& learned) {
    auto r = PlainRoute(learned);
    r->metric = metric;
    return r;
  });
  metric = 7;
  f.controller.UpsertNode(MakeNode("d", "192.0.2.4", {"10.244.4.0/24"}));
  f.Sync();  // answer false: nothing to rewrite
  CHECK(f.Kernel() == "10.244.2.0/24 via 192.0.2.2 table 254 metric 0\n");
  answer = true;
  f.controller.UpsertNode(MakeNode("d", "192.0.2.4", {"10.244.4.0/24"}));
  f.Sync();
  CHECK(f.Kernel() == "10.244.2.0/24 via 192.0.2.2 table 254 metric 7\n");

  // A failing hook fails the sync (the routes still sync) and runs again next time.
  answer = Error{EPERM, "no permission"};
  f.controller.UpsertNode(MakeNode("e", "192.0.2.5", {"10.244.5.0/24"}));
  Status failed = f.controller.Sync(SyncKind::kIncremental, f.stop.token());
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().message.find("test: no permission") != std::string::npos);
  const size_t before = calls.size();
  answer = false;
  f.Sync();
  CHECK(calls.size() == before + 1);
  f.Sync();
  CHECK(calls.size() == before + 1);
}

TEST_CASE("routed: a dual-stack node's IPv6 route is adopted after a restart like its IPv4 one") {
  Fixture f;
  for (const char* route : {"10.244.2.0/24 192.0.2.2", "2001:db8:244:2::/64 2001:db8::2",
                            "2001:db8:244:7::/64 2001:db8::7"}) {
    const std::string text = route;
    const size_t space = text.find(' ');
    REQUIRE(
        f.kernel
            .AddRoute(route::Route{
                .destination = route::IpPrefix::FromString(text.substr(0, space)),
                .next_hops = {{.gateway = route::IpAddress::FromString(text.substr(space + 1))}}})
            .ok());
  }
  model::Node a = MakeNode("a", "192.0.2.1", {"10.244.1.0/24", "2001:db8:244:1::/64"});
  a.addresses.push_back({"InternalIP", "2001:db8::1"});
  model::Node b = MakeNode("b", "192.0.2.2", {"10.244.2.0/24", "2001:db8:244:2::/64"});
  b.addresses.push_back({"InternalIP", "2001:db8::2"});
  f.controller.UpsertNode(a);
  f.controller.UpsertNode(b);
  f.controller.MarkInSync();
  f.Sync(SyncKind::kFull);  // no session is up yet: the Loc-RIB is empty
  // Adopted, not removed (the kernel gives IPv6 routes metric 1024); 2001:db8::7 is nobody's.
  CHECK(f.Kernel() ==
        "10.244.2.0/24 via 192.0.2.2 table 254 metric 0\n"
        "2001:db8:244:2::/64 via 2001:db8::2 table 254 metric 1024\n");
  CHECK(f.controller.held_routes() == 2);
  // Our sessions carry IPv6 with our IPv6 address as its next hop.
  REQUIRE(f.bgp.plan());
  CHECK(f.bgp.plan()->other_family_address == bgp::IpAddress::Parse("2001:db8::1"));
  CHECK(f.bgp.Originated() == std::set<std::string>{"10.244.1.0/24", "2001:db8:244:1::/64"});
}

}  // namespace
}  // namespace kr::routed
