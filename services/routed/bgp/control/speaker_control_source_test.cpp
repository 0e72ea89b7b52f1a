#include "services/routed/bgp/control/speaker_control_source.h"

#include <catch2/catch.hpp>

namespace kr::bgp::control {
namespace {

using namespace std::chrono_literals;

TEST_CASE("bgp control: a speaker's neighbour status as the socket shows it", "[bgp][control]") {
  const auto now = std::chrono::system_clock::now();
  NeighborStatus s;
  s.address = *IpAddress::Parse("2001:db8::2");
  s.peer_as = 4200000001;
  s.state = SessionState::kEstablished;
  s.received_routes = 7;
  s.accepted_routes = 5;
  s.advertised_routes = 2;
  s.established_since = now - 3725s;
  s.messages_received = 40;
  s.messages_sent = 41;
  s.capabilities = {"ipv6-unicast", "4-octet-as"};
  s.hold_time = 9;

  NeighborView v = ToView(s, 65001, now);
  CHECK(v.address == "2001:db8::2");
  CHECK(v.peer_as == 4200000001u);
  CHECK(v.local_as == 65001u);
  CHECK(v.state == "Established");
  CHECK(v.uptime_seconds == 3725);
  CHECK(v.received_routes == 7);
  CHECK(v.accepted_routes == 5u);
  CHECK(v.messages_sent == 41u);
  CHECK(v.hold_time == 9u);
  CHECK(v.capabilities == s.capabilities);
  CHECK_FALSE(v.remote_router_id);  // no OPEN seen yet
  s.router_id = 0xc0000202;
  v = ToView(s, 65001, now);
  CHECK(v.remote_router_id == "192.0.2.2");

  // Down: no uptime or hold time, whatever the status still remembers.
  s.state = SessionState::kActive;
  s.last_error = "hold timer expired";
  v = ToView(s, 65001, now);
  CHECK(v.state == "Active");
  CHECK_FALSE(v.uptime_seconds);
  CHECK_FALSE(v.hold_time);
  CHECK(v.last_error == "hold timer expired");
}

TEST_CASE("bgp control: a RIB route as the socket shows it", "[bgp][control]") {
  RibRoute r;
  r.prefix = *IpPrefix::Parse("203.0.113.0/24");
  r.next_hop = *IpAddress::Parse("192.0.2.2");
  r.attributes.origin = Origin::kIncomplete;
  r.attributes.as_path = AsPath{{AsPathSegment{AsSegmentType::kSequence, {65002, 65003}}}};
  r.attributes.local_pref = 200;
  r.attributes.communities = {(65000u << 16) | 100u, community::kNoExport};

  RouteView v = ToView(r, "192.0.2.2", true);
  CHECK(v.prefix == "203.0.113.0/24");
  CHECK(v.next_hop == "192.0.2.2");
  CHECK(v.as_path == "65002 65003");
  CHECK(v.origin == "?");
  CHECK(v.local_pref == 200u);
  CHECK_FALSE(v.med);
  CHECK(v.communities == std::vector<std::string>{"65000:100", "no-export"});
  CHECK_FALSE(v.age_seconds);
  CHECK(v.best);
  CHECK(v.from == "192.0.2.2");

  CHECK(InFamily(r.prefix, Family::kIpv4));
  CHECK_FALSE(InFamily(r.prefix, Family::kIpv6));
  CHECK(InFamily(*IpPrefix::Parse("2001:db8::/32"), Family::kIpv6));
  CHECK(InFamily(*IpPrefix::Parse("2001:db8::/32"), Family::kAll));
}

}  // namespace
}  // namespace kr::bgp::control
