#include "common/route/route_codec.h"

#include <libmnl/libmnl.h>

#include <catch2/catch.hpp>
#include <cstring>

namespace kr::route {
namespace {

Route MakeRoute(const char* destination, std::vector<NextHop> hops, uint32_t table = RT_TABLE_MAIN,
                uint32_t metric = 0) {
  Route route;
  route.destination = IpPrefix::FromString(destination);
  route.next_hops = std::move(hops);
  route.table = table;
  route.metric = metric;
  return route;
}

NextHop Via(const char* gateway, int ifindex = 0, int weight = 1, bool onlink = false) {
  return NextHop{IpAddress::FromString(gateway), ifindex, onlink, weight};
}

const nlmsghdr* Header(const std::vector<uint8_t>& bytes) {
  return reinterpret_cast<const nlmsghdr*>(bytes.data());
}

const rtmsg* Rtm(const std::vector<uint8_t>& bytes) {
  return static_cast<const rtmsg*>(mnl_nlmsg_get_payload(Header(bytes)));
}

// The kernel's answer to a dump has the request's shape: RTM_NEWROUTE with the same body.
Route RoundTrip(const std::vector<uint8_t>& request) {
  std::vector<uint8_t> answer = request;
  auto* header = reinterpret_cast<nlmsghdr*>(answer.data());
  header->nlmsg_type = RTM_NEWROUTE;
  auto parsed = ParseRouteMessage(header);
  REQUIRE(parsed.ok());
  REQUIRE(parsed->has_value());
  return (*parsed)->route;
}

TEST_CASE("route add request: flags, header and attributes") {
  const Route route = MakeRoute("203.0.113.0/24", {Via("198.51.100.2", 3)}, 100, 50);
  auto request = BuildRouteRequest(RouteOp::Kind::kAdd, route, 17);
  REQUIRE(request.ok());
  REQUIRE(request->size() == Header(*request)->nlmsg_len);
  const nlmsghdr* header = Header(*request);
  CHECK(header->nlmsg_type == RTM_NEWROUTE);
  CHECK(header->nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL));
  const rtmsg* rtm = Rtm(*request);
  CHECK(rtm->rtm_family == AF_INET);
  CHECK(rtm->rtm_dst_len == 24);
  CHECK(rtm->rtm_protocol == 17);
  CHECK(rtm->rtm_table == 100);
  CHECK(rtm->rtm_scope == RT_SCOPE_UNIVERSE);
  CHECK(rtm->rtm_type == RTN_UNICAST);

  const Route parsed = RoundTrip(*request);
  CHECK(parsed == route);
}

TEST_CASE("route replace uses NLM_F_REPLACE, never NLM_F_EXCL") {
  auto request = BuildRouteRequest(RouteOp::Kind::kReplace,
                                   MakeRoute("203.0.113.0/24", {Via("198.51.100.2")}), 17);
  REQUIRE(request.ok());
  CHECK(Header(*request)->nlmsg_flags ==
        (NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE));
}

TEST_CASE("route delete names the key and protocol only, in any scope") {
  const Route route = MakeRoute("203.0.113.0/24", {Via("198.51.100.2", 3)}, 254, 7);
  auto request = BuildRouteRequest(RouteOp::Kind::kDelete, route, 42);
  REQUIRE(request.ok());
  CHECK(Header(*request)->nlmsg_type == RTM_DELROUTE);
  CHECK(Header(*request)->nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK));
  CHECK(Rtm(*request)->rtm_protocol == 42);
  CHECK(Rtm(*request)->rtm_scope == RT_SCOPE_NOWHERE);
  const Route parsed = RoundTrip(*request);
  CHECK(parsed.destination == route.destination);
  CHECK(parsed.metric == 7);
  CHECK(parsed.next_hops.empty());
}

TEST_CASE("a route straight onto a device is link scoped; onlink is a flag") {
  auto device = BuildRouteRequest(RouteOp::Kind::kAdd,
                                  MakeRoute("203.0.113.0/24", {NextHop{IpAddress(), 4}}), 17);
  REQUIRE(device.ok());
  CHECK(Rtm(*device)->rtm_scope == RT_SCOPE_LINK);

  const Route tunnel = MakeRoute("203.0.113.0/24", {Via("192.0.2.9", 4, 1, true)});
  auto onlink = BuildRouteRequest(RouteOp::Kind::kAdd, tunnel, 17);
  REQUIRE(onlink.ok());
  CHECK((Rtm(*onlink)->rtm_flags & RTNH_F_ONLINK) != 0);
  CHECK(RoundTrip(*onlink) == tunnel);
}

TEST_CASE("ECMP routes carry RTA_MULTIPATH with weights, IPv4 and IPv6") {
  const Route v4 =
      MakeRoute("203.0.113.0/24", {Via("198.51.100.2", 3, 1), Via("192.0.2.2", 5, 3, true)});
  auto request = BuildRouteRequest(RouteOp::Kind::kAdd, v4, 17);
  REQUIRE(request.ok());
  CHECK(RoundTrip(*request) == v4);

  const Route v6 = MakeRoute("2001:db8:2::/64",
                             {Via("2001:db8:a::2", 3, 2), Via("2001:db8:b::2", 5, 256)}, 254, 10);
  auto request6 = BuildRouteRequest(RouteOp::Kind::kAdd, v6, 17);
  REQUIRE(request6.ok());
  CHECK(Rtm(*request6)->rtm_family == AF_INET6);
  CHECK(RoundTrip(*request6) == v6);
}

TEST_CASE("IPv6 metric 0 is sent as the kernel's 1024; large tables go in RTA_TABLE") {
  auto request = BuildRouteRequest(RouteOp::Kind::kAdd,
                                   MakeRoute("2001:db8:2::/64", {Via("2001:db8:a::2")}, 1000), 17);
  REQUIRE(request.ok());
  CHECK(Rtm(*request)->rtm_table == RT_TABLE_UNSPEC);
  const Route parsed = RoundTrip(*request);
  CHECK(parsed.metric == kIpv6DefaultMetric);
  CHECK(parsed.table == 1000);
}

TEST_CASE("malformed routes are refused with EINVAL before reaching the kernel") {
  const std::vector<Route> bad = {
      MakeRoute("203.0.113.0/24", {}),                             // no next hop
      MakeRoute("203.0.113.0/24", {Via("2001:db8::1")}),           // other family
      MakeRoute("203.0.113.0/24", {Via("198.51.100.2", 0, 0)}),    // weight 0
      MakeRoute("203.0.113.0/24", {Via("198.51.100.2", 0, 257)}),  // weight too big
      MakeRoute("203.0.113.0/24", {NextHop{}}),                    // neither gateway nor dev
  };
  for (const auto& route : bad) {
    INFO(route.ToString());
    auto request = BuildRouteRequest(RouteOp::Kind::kAdd, route, 17);
    REQUIRE_FALSE(request.ok());
    CHECK(request.error().code == EINVAL);
  }
}

TEST_CASE("a route too large for one message is EMSGSIZE, not a truncated request") {
  std::vector<NextHop> hops;
  for (int i = 0; i < 600; ++i) {
    hops.push_back(NextHop{IpAddress::FromString("2001:db8::1"), i + 1});
  }
  auto request = BuildRouteRequest(RouteOp::Kind::kAdd, MakeRoute("2001:db8:2::/64", hops), 17);
  REQUIRE_FALSE(request.ok());
  CHECK(request.error().code == EMSGSIZE);
}

TEST_CASE("the dump request asks for our protocol and table") {
  const auto request = BuildRouteDumpRequest(RouteFilter{AF_INET6, 100}, 17);
  CHECK(Header(request)->nlmsg_type == RTM_GETROUTE);
  CHECK((Header(request)->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP);
  CHECK(Rtm(request)->rtm_family == AF_INET6);
  CHECK(Rtm(request)->rtm_protocol == 17);
  const nlattr* table = nullptr;
  mnl_attr_parse(
      Header(request), sizeof(rtmsg),
      [](const nlattr* attribute, void* found) {
        if (mnl_attr_get_type(attribute) == RTA_TABLE)
          *static_cast<const nlattr**>(found) = attribute;
        return MNL_CB_OK;
      },
      &table);
  REQUIRE(table != nullptr);
  CHECK(mnl_attr_get_u32(table) == 100);
}

TEST_CASE("dump parsing skips what is not a unicast route of IPv4/IPv6") {
  auto request = BuildRouteRequest(RouteOp::Kind::kAdd,
                                   MakeRoute("203.0.113.0/24", {Via("198.51.100.2")}), 17);
  REQUIRE(request.ok());
  std::vector<uint8_t> answer = *request;
  auto* header = reinterpret_cast<nlmsghdr*>(answer.data());
  header->nlmsg_type = RTM_NEWROUTE;
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_get_payload(header));

  rtm->rtm_flags = RTM_F_CLONED;
  auto cloned = ParseRouteMessage(header);
  REQUIRE(cloned.ok());
  CHECK_FALSE(cloned->has_value());

  rtm->rtm_flags = 0;
  rtm->rtm_family = 128;  // RTNL_FAMILY_IPMR
  auto multicast = ParseRouteMessage(header);
  REQUIRE(multicast.ok());
  CHECK_FALSE(multicast->has_value());

  header->nlmsg_len = NLMSG_LENGTH(2);
  auto truncated = ParseRouteMessage(header);
  REQUIRE_FALSE(truncated.ok());
  CHECK(truncated.error().code == EINVAL);
}

}  // namespace
}  // namespace kr::route
