#include "services/routed/overlay/overlay_plan.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "services/routed/overlay/tunnel_name.h"

namespace kr::routed::overlay {
namespace {

using route::IpAddress;
using route::IpPrefix;

OverlayConfig Config(bool enabled, OverlayType type) {
  OverlayConfig config;
  config.enabled = enabled;
  config.type = type;
  config.local = {
      {IpAddress::FromString("192.0.2.10"), IpPrefix::FromString("192.0.2.0/24")},
      {IpAddress::FromString("2001:db8:1::10"), IpPrefix::FromString("2001:db8:1::/64")}};
  config.underlay_ifindex = 2;
  return config;
}

struct ClassifyCase {
  bool enabled;
  OverlayType type;
  const char* peer;
  PeerPath expected;
};

TEST_CASE("ClassifyPeer: kube-router's subnet and full overlay types") {
  const std::vector<ClassifyCase> cases = {
      // overlay off: same subnet direct, other subnets left to the network
      {false, OverlayType::kSubnet, "192.0.2.20", PeerPath::kDirect},
      {false, OverlayType::kSubnet, "198.51.100.20", PeerPath::kNetwork},
      {false, OverlayType::kFull, "198.51.100.20", PeerPath::kNetwork},
      // subnet: tunnels only across subnets
      {true, OverlayType::kSubnet, "192.0.2.20", PeerPath::kDirect},
      {true, OverlayType::kSubnet, "198.51.100.20", PeerPath::kTunnel},
      {true, OverlayType::kSubnet, "2001:db8:1::20", PeerPath::kDirect},
      {true, OverlayType::kSubnet, "2001:db8:2::20", PeerPath::kTunnel},
      // full: tunnels to everyone
      {true, OverlayType::kFull, "192.0.2.20", PeerPath::kTunnel},
      {true, OverlayType::kFull, "198.51.100.20", PeerPath::kTunnel},
      // ourselves
      {true, OverlayType::kFull, "192.0.2.10", PeerPath::kSelf},
  };
  for (const ClassifyCase& c : cases) {
    INFO("enabled=" << c.enabled << " full=" << (c.type == OverlayType::kFull)
                    << " peer=" << c.peer);
    CHECK(PeerPathName(ClassifyPeer(Config(c.enabled, c.type), IpAddress::FromString(c.peer))) ==
          PeerPathName(c.expected));
  }
}

TEST_CASE("ClassifyPeer without a local address of the peer's family") {
  OverlayConfig config = Config(true, OverlayType::kFull);
  config.local.pop_back();  // IPv4 only
  CHECK(ClassifyPeer(config, IpAddress::FromString("2001:db8:1::20")) == PeerPath::kUnusable);
}

TEST_CASE("ParseOverlayType") {
  CHECK(*ParseOverlayType("subnet") == OverlayType::kSubnet);
  CHECK(*ParseOverlayType("full") == OverlayType::kFull);
  auto bad = ParseOverlayType("mesh");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == EINVAL);
  CHECK(bad.error().message.find("mesh") != std::string::npos);
}

TEST_CASE("DesiredTunnels: one per distinct tunnelled peer, sorted by name") {
  const std::vector<IpAddress> peers = {
      IpAddress::FromString("198.51.100.20"), IpAddress::FromString("192.0.2.20"),
      IpAddress::FromString("203.0.113.5"),   IpAddress::FromString("198.51.100.20"),
      IpAddress::FromString("192.0.2.10"),    IpAddress::FromString("2001:db8:2::7")};

  SECTION("subnet") {
    const auto tunnels = DesiredTunnels(Config(true, OverlayType::kSubnet), peers);
    REQUIRE(tunnels.size() == 3);
    for (size_t i = 1; i < tunnels.size(); ++i) CHECK(tunnels[i - 1].name < tunnels[i].name);
    std::vector<std::string> remotes;
    for (const auto& spec : tunnels) {
      CHECK(spec.name == TunnelName(spec.remote));
      CHECK(spec.underlay_ifindex == 2);
      CHECK(spec.local == (spec.remote.is_v4() ? IpAddress::FromString("192.0.2.10")
                                               : IpAddress::FromString("2001:db8:1::10")));
      remotes.push_back(spec.remote.ToString());
    }
    std::sort(remotes.begin(), remotes.end());
    CHECK(remotes == std::vector<std::string>{"198.51.100.20", "2001:db8:2::7", "203.0.113.5"});
  }
  SECTION("full adds the same-subnet peer, never ourselves") {
    CHECK(DesiredTunnels(Config(true, OverlayType::kFull), peers).size() == 4);
  }
  SECTION("disabled: none") {
    CHECK(DesiredTunnels(Config(false, OverlayType::kFull), peers).empty());
  }
}

TEST_CASE("RouteToPeer: the kernel route for a learned pod CIDR") {
  const IpPrefix pods = IpPrefix::FromString("198.18.2.0/24");
  SECTION("through the tunnel, with our address as source") {
    auto route = RouteToPeer(Config(true, OverlayType::kSubnet), pods,
                             IpAddress::FromString("198.51.100.20"), 42);
    REQUIRE(route.has_value());
    CHECK(route->ToString() == route::Route{pods,
                                            RT_TABLE_MAIN,
                                            0,
                                            {route::NextHop{IpAddress(), 42}},
                                            IpAddress::FromString("192.0.2.10")}
                                   .ToString());
  }
  SECTION("no tunnel yet: nothing") {
    CHECK_FALSE(RouteToPeer(Config(true, OverlayType::kSubnet), pods,
                            IpAddress::FromString("198.51.100.20"), 0)
                    .has_value());
  }
  SECTION("same subnet: via the peer") {
    auto route = RouteToPeer(Config(true, OverlayType::kSubnet), pods,
                             IpAddress::FromString("192.0.2.20"), 0);
    REQUIRE(route.has_value());
    REQUIRE(route->next_hops.size() == 1);
    CHECK(route->next_hops[0].gateway == IpAddress::FromString("192.0.2.20"));
    CHECK(route->next_hops[0].ifindex == 0);
    CHECK(route->preferred_source.is_unspecified());
  }
  SECTION("other subnet without overlay: nothing") {
    CHECK_FALSE(RouteToPeer(Config(false, OverlayType::kSubnet), pods,
                            IpAddress::FromString("198.51.100.20"), 42)
                    .has_value());
  }
  SECTION("family mismatch: nothing") {
    CHECK_FALSE(RouteToPeer(Config(true, OverlayType::kSubnet), pods,
                            IpAddress::FromString("2001:db8:2::7"), 42)
                    .has_value());
  }
  SECTION("IPv6 pod CIDR through an ip6ip6 tunnel") {
    auto route =
        RouteToPeer(Config(true, OverlayType::kSubnet), IpPrefix::FromString("2001:db8:ff::/64"),
                    IpAddress::FromString("2001:db8:2::7"), 43);
    REQUIRE(route.has_value());
    CHECK(route->preferred_source == IpAddress::FromString("2001:db8:1::10"));
  }
}

}  // namespace
}  // namespace kr::routed::overlay
