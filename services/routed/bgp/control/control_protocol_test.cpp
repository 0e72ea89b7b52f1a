#include "services/routed/bgp/control/control_protocol.h"

#include <catch2/catch.hpp>

#include "services/routed/bgp/control/control_json.h"
#include "services/routed/bgp/control/fake_control_source.h"

namespace kr::bgp::control {
namespace {

using nlohmann::json;

NeighborView Established() {
  NeighborView n;
  n.address = "192.0.2.2";
  n.peer_as = 65002;
  n.local_as = 65001;
  n.state = "Established";
  n.uptime_seconds = 3723;
  n.received_routes = 2;
  n.accepted_routes = 1;
  n.advertised_routes = 3;
  n.messages_received = 10;
  n.messages_sent = 11;
  n.hold_time = 90;
  n.capabilities = {"ipv4-unicast", "4-octet-as"};
  return n;
}

RouteView Route(const std::string& prefix, const std::string& next_hop) {
  RouteView r;
  r.prefix = prefix;
  r.next_hop = next_hop;
  r.as_path = "65002 65003";
  r.origin = "i";
  r.med = 5;
  r.communities = {"65000:100", "no-export"};
  r.best = true;
  r.from = "192.0.2.2";
  return r;
}

json Handle(ControlSource& source, const std::string& line) {
  return json::parse(HandleRequestLine(source, line));
}

TEST_CASE("bgp control: neighbor and route views survive JSON both ways", "[bgp][control]") {
  const NeighborView n = Established();
  auto back = NeighborFromJson(ToJson(n));
  REQUIRE(back);
  CHECK(*back == n);

  NeighborView idle;
  idle.address = "2001:db8::2";
  idle.state = "Idle";
  idle.last_error = "connect: Connection refused";
  const json idle_json = ToJson(idle);
  CHECK(idle_json["uptime_seconds"].is_null());
  CHECK(idle_json["accepted_routes"].is_null());
  REQUIRE(NeighborFromJson(idle_json));
  CHECK(*NeighborFromJson(idle_json) == idle);

  const RouteView r = Route("203.0.113.0/24", "192.0.2.2");
  REQUIRE(RouteFromJson(ToJson(r)));
  CHECK(*RouteFromJson(ToJson(r)) == r);
}

TEST_CASE("bgp control: malformed views are errors naming the field", "[bgp][control]") {
  json n = ToJson(Established());
  n.erase("state");
  auto missing = NeighborFromJson(n);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("\"state\"") != std::string::npos);

  n = ToJson(Established());
  n["peer_as"] = -1;
  REQUIRE_FALSE(NeighborFromJson(n));
  n["peer_as"] = 4294967296;  // one past uint32
  REQUIRE_FALSE(NeighborFromJson(n));
  n["peer_as"] = "65002";
  REQUIRE_FALSE(NeighborFromJson(n));

  json r = ToJson(Route("203.0.113.0/24", "192.0.2.2"));
  r["communities"] = "65000:100";
  REQUIRE_FALSE(RouteFromJson(r));
  CHECK_FALSE(RouteFromJson(json::array()));
}

TEST_CASE("bgp control: requests parse and print back", "[bgp][control]") {
  auto rib = ParseRequest(R"({"command":"rib","family":"ipv6"})");
  REQUIRE(rib);
  CHECK(rib->command == "rib");
  CHECK(rib->family == Family::kIpv6);
  CHECK(ToJson(*rib) == json::parse(R"({"command":"rib","family":"ipv6"})"));

  auto neighbor = ParseRequest(R"({"command":"neighbor","address":"192.0.2.2"})");
  REQUIRE(neighbor);
  CHECK(neighbor->address == "192.0.2.2");
  CHECK(neighbor->family == Family::kAll);

  CHECK_FALSE(ParseRequest("not json"));
  CHECK_FALSE(ParseRequest("[]"));
  CHECK_FALSE(ParseRequest(R"({"command":"reboot"})"));
  CHECK_FALSE(ParseRequest(R"({"command":"neighbor"})"));
  CHECK_FALSE(ParseRequest(R"({"command":"adj-in","address":""})"));
  CHECK_FALSE(ParseRequest(R"({"command":"rib","family":"ipx"})"));
  CHECK_FALSE(ParseRequest(R"({"command":42})"));
}

TEST_CASE("bgp control: neighbors and one neighbor", "[bgp][control]") {
  FakeControlSource source;
  source.neighbors = {Established()};
  NeighborView second = Established();
  second.address = "2001:db8::2";
  second.state = "Active";
  source.neighbors.push_back(second);

  const json all = Handle(source, R"({"command":"neighbors"})");
  CHECK(all["ok"] == true);
  CHECK(all["version"] == kProtocolVersion);
  REQUIRE(all["neighbors"].size() == 2);
  CHECK(all["neighbors"][1]["address"] == "2001:db8::2");
  CHECK(all["neighbors"][1]["state"] == "Active");

  const json one = Handle(source, R"({"command":"neighbor","address":"192.0.2.2"})");
  CHECK(one["ok"] == true);
  CHECK(one["neighbor"]["peer_as"] == 65002);
  CHECK(one["neighbor"]["uptime_seconds"] == 3723);

  const json unknown = Handle(source, R"({"command":"neighbor","address":"192.0.2.9"})");
  CHECK(unknown["ok"] == false);
  CHECK(unknown["error"] == "neighbor 192.0.2.9 is not configured");
}

TEST_CASE("bgp control: rib by family, sorted by prefix", "[bgp][control]") {
  FakeControlSource source;
  source.loc_rib = {Route("203.0.113.0/24", "192.0.2.2"), Route("2001:db8:1::/48", "2001:db8::2"),
                    Route("198.51.100.0/24", "0.0.0.0")};

  const json all = Handle(source, R"({"command":"rib"})");
  REQUIRE(all["routes"].size() == 3);
  CHECK(all["routes"][0]["prefix"] == "198.51.100.0/24");
  CHECK(all["routes"][1]["prefix"] == "2001:db8:1::/48");
  CHECK(all["routes"][2]["prefix"] == "203.0.113.0/24");

  const json v4 = Handle(source, R"({"command":"rib","family":"ipv4"})");
  REQUIRE(v4["routes"].size() == 2);
  const json v6 = Handle(source, R"({"command":"rib","family":"ipv6"})");
  REQUIRE(v6["routes"].size() == 1);
  CHECK(v6["routes"][0]["next_hop"] == "2001:db8::2");
  CHECK(v6["routes"][0]["communities"] == json::array({"65000:100", "no-export"}));
}

TEST_CASE("bgp control: adj-in and adj-out, and the errors of a source", "[bgp][control]") {
  FakeControlSource source;
  source.adj_in["192.0.2.2"] = {Route("203.0.113.0/24", "192.0.2.2")};
  source.adj_out["192.0.2.2"] = {};

  const json in = Handle(source, R"({"command":"adj-in","address":"192.0.2.2"})");
  CHECK(in["ok"] == true);
  CHECK(in["routes"].size() == 1);
  const json out = Handle(source, R"({"command":"adj-out","address":"192.0.2.2"})");
  CHECK(out["ok"] == true);
  CHECK(out["routes"].empty());
  const json missing = Handle(source, R"({"command":"adj-out","address":"192.0.2.7"})");
  CHECK(missing["ok"] == false);
  CHECK(missing["error"] == "neighbor 192.0.2.7 is not configured");
}

TEST_CASE("bgp control: bad requests get an error response, never an exception", "[bgp][control]") {
  FakeControlSource source;
  for (const char* line : {"", "{", "null", R"({"command":"rib","family":4})", "\xff\xfe"}) {
    INFO(line);
    const json answer = Handle(source, line);
    CHECK(answer["ok"] == false);
    CHECK(answer["error"].is_string());
  }
  // Text from the network that is not UTF-8 is replaced, not thrown on.
  source.loc_rib = {Route("203.0.113.0/24", "192.0.2.2")};
  source.loc_rib[0].as_path = "\xc3";
  CHECK(Handle(source, R"({"command":"rib"})")["ok"] == true);
}

}  // namespace
}  // namespace kr::bgp::control
