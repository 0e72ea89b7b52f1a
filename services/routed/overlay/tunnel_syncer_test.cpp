#include "services/routed/overlay/tunnel_syncer.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/route/fake_route_kernel.h"
#include "common/route/route_sync.h"
#include "services/routed/overlay/tunnel_name.h"

namespace kr::routed::overlay {
namespace {

using route::IpAddress;
using route::IpPrefix;

// FakeRouteKernel that also counts the tunnel calls, to check that syncs are minimal.
class CountingKernel : public route::FakeRouteKernel {
 public:
  Status CreateTunnel(const route::TunnelSpec& spec) override {
    ++creates;
    return FakeRouteKernel::CreateTunnel(spec);
  }
  Status DeleteTunnel(const std::string& name) override {
    ++deletes;
    return FakeRouteKernel::DeleteTunnel(name);
  }
  Expected<std::vector<route::Tunnel>> ListTunnels() override {
    ++lists;
    return FakeRouteKernel::ListTunnels();
  }
  int creates = 0;
  int deletes = 0;
  int lists = 0;
};

OverlayConfig Config(bool enabled = true, OverlayType type = OverlayType::kSubnet) {
  OverlayConfig config;
  config.enabled = enabled;
  config.type = type;
  config.local = {{IpAddress::FromString("192.0.2.10"), IpPrefix::FromString("192.0.2.0/24")}};
  return config;
}

std::vector<std::string> TunnelNames(route::FakeRouteKernel& kernel) {
  Expected<std::vector<route::Tunnel>> tunnels = kernel.ListTunnels();
  REQUIRE(tunnels.ok());
  std::vector<std::string> names;
  for (const auto& tunnel : *tunnels) names.push_back(tunnel.spec.name);
  return names;
}

const IpAddress kSameSubnet = IpAddress::FromString("192.0.2.20");
const IpAddress kFar1 = IpAddress::FromString("198.51.100.20");
const IpAddress kFar2 = IpAddress::FromString("203.0.113.30");

TEST_CASE("Sync creates the tunnels the peers need, and Shape routes through them") {
  CountingKernel kernel;
  TunnelSyncer overlay(Config(), kernel);
  const std::vector<IpAddress> peers = {kSameSubnet, kFar1, kFar2};
  TunnelSyncResult result = overlay.Sync(peers);
  INFO(result.ToString());
  REQUIRE(result.ok());
  CHECK(result.created == 2);
  CHECK(overlay.tunnels().size() == 2);
  std::vector<std::string> expected = {TunnelName(kFar1), TunnelName(kFar2)};
  std::sort(expected.begin(), expected.end());
  CHECK(TunnelNames(kernel) == expected);

  const route::Tunnel& far1 = overlay.tunnels().at(TunnelName(kFar1));
  CHECK(far1.spec.local == IpAddress::FromString("192.0.2.10"));
  CHECK(far1.spec.remote == kFar1);
  CHECK(far1.ifindex > 0);

  auto through_tunnel = overlay.Shape(IpPrefix::FromString("198.18.2.0/24"), kFar1);
  REQUIRE(through_tunnel.has_value());
  REQUIRE(through_tunnel->next_hops.size() == 1);
  CHECK(through_tunnel->next_hops[0].ifindex == far1.ifindex);
  auto direct = overlay.Shape(IpPrefix::FromString("198.18.3.0/24"), kSameSubnet);
  REQUIRE(direct.has_value());
  CHECK(direct->next_hops[0].gateway == kSameSubnet);

  // The shaped routes go into the kernel through the caller's route sync.
  const std::vector<route::Route> routes = {*through_tunnel, *direct};
  REQUIRE(route::SyncRoutes(kernel, routes).ok());
  CHECK(kernel.OurRoutes().size() == 2);

  SECTION("a second sync changes nothing") {
    const int writes = kernel.creates + kernel.deletes;
    TunnelSyncResult again = overlay.Sync(peers);
    CHECK(again.ok());
    CHECK(again.created == 0);
    CHECK(again.deleted == 0);
    CHECK(kernel.creates + kernel.deletes == writes);
  }
  SECTION("a peer leaving removes its tunnel only") {
    TunnelSyncResult after = overlay.Sync(std::vector<IpAddress>{kSameSubnet, kFar2});
    CHECK(after.deleted == 1);
    CHECK(TunnelNames(kernel) == std::vector<std::string>{TunnelName(kFar2)});
    CHECK_FALSE(overlay.Shape(IpPrefix::FromString("198.18.2.0/24"), kFar1).has_value());
  }
  SECTION("turning the overlay off removes every tunnel of ours") {
    TunnelSyncer off(Config(false), kernel);
    TunnelSyncResult after = off.Sync(peers);
    CHECK(after.deleted == 2);
    CHECK(TunnelNames(kernel).empty());
    // Same-subnet peers are still reached directly; others are left to the network.
    CHECK(off.Shape(IpPrefix::FromString("198.18.3.0/24"), kSameSubnet).has_value());
    CHECK_FALSE(off.Shape(IpPrefix::FromString("198.18.2.0/24"), kFar1).has_value());
  }
  SECTION("full type adds the same-subnet peer") {
    TunnelSyncer full(Config(true, OverlayType::kFull), kernel);
    TunnelSyncResult after = full.Sync(peers);
    CHECK(after.created == 1);
    CHECK(full.tunnels().size() == 3);
    auto route = full.Shape(IpPrefix::FromString("198.18.3.0/24"), kSameSubnet);
    REQUIRE(route.has_value());
    CHECK(route->next_hops[0].ifindex == full.tunnels().at(TunnelName(kSameSubnet)).ifindex);
  }
}

TEST_CASE("foreign interfaces are never touched") {
  route::FakeRouteKernel kernel;
  kernel.AddPlainInterface("eth0");
  const route::TunnelSpec operators{"tun-dc1", IpAddress::FromString("192.0.2.10"),
                                    IpAddress::FromString("198.51.100.99")};
  const route::TunnelSpec fallback{"tunl0", IpAddress(), IpAddress::FromString("0.0.0.0")};
  REQUIRE(kernel.CreateTunnel(operators).ok());
  REQUIRE(kernel.CreateTunnel(fallback).ok());
  TunnelSyncer overlay(Config(), kernel);
  REQUIRE(overlay.Sync(std::vector<IpAddress>{kFar1}).ok());
  CHECK(overlay.tunnels().size() == 1);
  REQUIRE(overlay.Cleanup().ok());
  std::vector<std::string> left = TunnelNames(kernel);
  CHECK(left == std::vector<std::string>{"tun-dc1", "tunl0"});
  CHECK(overlay.tunnels().empty());
}

TEST_CASE("a tunnel of ours with other endpoints is recreated") {
  route::FakeRouteKernel kernel;
  // e.g. left by a run when this node had another address
  REQUIRE(kernel
              .CreateTunnel(
                  route::TunnelSpec{TunnelName(kFar1), IpAddress::FromString("192.0.2.99"), kFar1})
              .ok());
  TunnelSyncer overlay(Config(), kernel);
  TunnelSyncResult result = overlay.Sync(std::vector<IpAddress>{kFar1});
  REQUIRE(result.ok());
  CHECK(result.deleted == 1);
  CHECK(result.created == 1);
  CHECK(overlay.tunnels().at(TunnelName(kFar1)).spec.local == IpAddress::FromString("192.0.2.10"));
}

TEST_CASE("a name held by another interface is an error; the other tunnels still come") {
  route::FakeRouteKernel kernel;
  kernel.AddPlainInterface(TunnelName(kFar1));
  TunnelSyncer overlay(Config(), kernel);
  TunnelSyncResult result = overlay.Sync(std::vector<IpAddress>{kFar1, kFar2});
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].code == EEXIST);
  CHECK(result.created == 1);
  CHECK(overlay.tunnels().contains(TunnelName(kFar2)));
  CHECK_FALSE(overlay.Shape(IpPrefix::FromString("198.18.2.0/24"), kFar1).has_value());
}

TEST_CASE("kernel failures are reported and the next sync recovers") {
  route::FakeRouteKernel kernel;
  TunnelSyncer overlay(Config(), kernel);
  kernel.FailNextCall(Error::FromErrno(ENOBUFS, "list links"));
  TunnelSyncResult failed = overlay.Sync(std::vector<IpAddress>{kFar1});
  REQUIRE(failed.errors.size() == 1);
  CHECK(failed.errors[0].code == ENOBUFS);
  CHECK(TunnelNames(kernel).empty());
  TunnelSyncResult recovered = overlay.Sync(std::vector<IpAddress>{kFar1}, /*full=*/false);
  CHECK(recovered.ok());
  CHECK(recovered.created == 1);
}

TEST_CASE("incremental syncs cost only the change") {
  CountingKernel kernel;
  TunnelSyncer overlay(Config(), kernel);
  std::vector<IpAddress> peers;
  for (int i = 1; i <= 50; ++i) {
    peers.push_back(IpAddress::FromString("198.51.100." + std::to_string(i)));
  }
  REQUIRE(overlay.Sync(peers).ok());
  CHECK(kernel.creates == 50);
  kernel.creates = kernel.deletes = kernel.lists = 0;

  SECTION("nothing changed: no kernel call at all") {
    REQUIRE(overlay.Sync(peers, /*full=*/false).ok());
    CHECK(kernel.creates + kernel.deletes + kernel.lists == 0);
  }
  SECTION("one peer added: one create, one dump for its interface index") {
    peers.push_back(kFar2);
    REQUIRE(overlay.Sync(peers, /*full=*/false).ok());
    CHECK(kernel.creates == 1);
    CHECK(kernel.deletes == 0);
    CHECK(kernel.lists == 1);
    CHECK(overlay.Shape(IpPrefix::FromString("198.18.2.0/24"), kFar2).has_value());
  }
  SECTION("one peer removed: one delete") {
    peers.pop_back();
    REQUIRE(overlay.Sync(peers, /*full=*/false).ok());
    CHECK(kernel.deletes == 1);
    CHECK(kernel.creates + kernel.lists == 0);
  }
  SECTION("a full sync repairs a tunnel someone deleted") {
    REQUIRE(kernel.DeleteTunnel(TunnelName(peers[7])).ok());
    REQUIRE(overlay.Sync(peers, /*full=*/true).ok());
    CHECK(kernel.creates == 1);
    CHECK(TunnelNames(kernel).size() == 50);
  }
}

}  // namespace
}  // namespace kr::routed::overlay
