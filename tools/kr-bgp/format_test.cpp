#include "tools/kr-bgp/format.h"

#include <catch2/catch.hpp>

namespace kr::bgpctl {
namespace {

using bgp::control::NeighborView;
using bgp::control::RouteView;

NeighborView Neighbor(const std::string& address, const std::string& state,
                      std::optional<int64_t> uptime) {
  NeighborView n;
  n.address = address;
  n.peer_as = 65002;
  n.local_as = 65001;
  n.state = state;
  n.uptime_seconds = uptime;
  n.received_routes = 12;
  n.accepted_routes = 10;
  return n;
}

TEST_CASE("kr-bgp: durations as gobgp prints them", "[kr-bgp]") {
  CHECK(FormatDuration(7) == "00:00:07");
  CHECK(FormatDuration(3723) == "01:02:03");
  CHECK(FormatDuration(86399) == "23:59:59");
  CHECK(FormatDuration(3 * 86400 + 3723) == "3d 01:02:03");
  CHECK(FormatDuration(std::nullopt) == "never");
  CHECK(FormatDuration(-1) == "never");
}

TEST_CASE("kr-bgp: the neighbor table, columns aligned", "[kr-bgp]") {
  NeighborView idle = Neighbor("2001:db8::2", "Active", std::nullopt);
  idle.peer_as = 4200000001;
  idle.received_routes = 0;
  idle.accepted_routes = std::nullopt;
  const std::string table = FormatNeighborTable({Neighbor("192.0.2.2", "Established", 13), idle});
  CHECK(table ==
        "Peer                AS Up/Down  State       |#Received  Accepted\n"
        "192.0.2.2        65002 00:00:13 Established |       12        10\n"
        "2001:db8::2 4200000001 never    Active      |        0         -\n");
  CHECK(FormatNeighborTable({}) == "Peer AS Up/Down State       |#Received  Accepted\n");
}

TEST_CASE("kr-bgp: one neighbor in detail", "[kr-bgp]") {
  NeighborView n = Neighbor("192.0.2.2", "Established", 3723);
  n.hold_time = 9;
  n.capabilities = {"ipv4-unicast", "4-octet-as"};
  n.messages_sent = 20;
  n.messages_received = 19;
  n.advertised_routes = 1;
  n.remote_router_id = "192.0.2.2";
  const std::string text = FormatNeighborDetail(n);
  CHECK(text.find("BGP neighbor is 192.0.2.2, remote AS 65002\n") == 0);
  CHECK(text.find("remote router ID 192.0.2.2\n") != std::string::npos);
  CHECK(text.find("BGP state = Established, up for 01:02:03\n") != std::string::npos);
  CHECK(text.find("Hold time is 9, keepalive interval is 3 seconds\n") != std::string::npos);
  CHECK(text.find("    4-octet-as\n") != std::string::npos);
  CHECK(text.find("    Total:                 20         19\n") != std::string::npos);
  CHECK(text.find("    Accepted:              10\n") != std::string::npos);
  CHECK(text.find("Last error") == std::string::npos);

  NeighborView down = Neighbor("192.0.2.3", "Idle", std::nullopt);
  down.last_error = "connect: Connection refused";
  const std::string down_text = FormatNeighborDetail(down);
  CHECK(down_text.find("BGP state = Idle\n") != std::string::npos);
  CHECK(down_text.find("remote router ID unknown") != std::string::npos);
  CHECK(down_text.find("Hold time") == std::string::npos);
  CHECK(down_text.find("  Last error: connect: Connection refused\n") != std::string::npos);
}

TEST_CASE("kr-bgp: route attributes in gobgp's braces", "[kr-bgp]") {
  RouteView r;
  r.origin = "i";
  CHECK(FormatAttributes(r) == "[{Origin: i}]");
  r.local_pref = 100;
  r.med = 0;
  r.communities = {"65000:1", "no-export"};
  CHECK(FormatAttributes(r) ==
        "[{Origin: i} {LocalPref: 100} {Med: 0} {Communities: 65000:1, no-export}]");
  CHECK(FormatAttributes(RouteView{}) == "[]");
}

TEST_CASE("kr-bgp: the rib table", "[kr-bgp]") {
  RouteView theirs;
  theirs.prefix = "203.0.113.0/24";
  theirs.next_hop = "192.0.2.2";
  theirs.as_path = "65002";
  theirs.origin = "i";
  theirs.age_seconds = 5;
  theirs.best = true;
  RouteView ours;
  ours.prefix = "2001:db8:ffff:ffff::/64";
  ours.next_hop = "::";
  ours.origin = "i";
  const std::string table = FormatRibTable({theirs, ours});
  CHECK(table ==
        "   Network                 Next Hop             AS_PATH              Age        Attrs\n"
        "*> 203.0.113.0/24          192.0.2.2            65002                00:00:05   "
        "[{Origin: i}]\n"
        "*  2001:db8:ffff:ffff::/64 ::                                        -          "
        "[{Origin: i}]\n");
  CHECK(FormatRibTable({}) == "Network not in table\n");
}

}  // namespace
}  // namespace kr::bgpctl
