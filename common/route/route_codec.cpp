#include "common/route/route_codec.h"

#include <libmnl/libmnl.h>

#include <array>
#include <cstring>

namespace kr::route {
namespace {

constexpr size_t kRequestCapacity = 8192;

// Requests are built in one scratch area per thread and copied out at their real size (a
// route is about 100 bytes): a zeroed 8 KiB vector per route made a batch of 5,000 routes
// cost 40 MiB of page faults, more than the kernel's work (bgp_bench fib, perf). libmnl
// zeroes every header it puts and the padding of every attribute, so the scratch need not be.
uint8_t* NewBuffer() {
  thread_local std::array<uint8_t, kRequestCapacity> scratch;
  return scratch.data();
}

std::vector<uint8_t> Finish(const uint8_t* buffer) {
  return {buffer, buffer + reinterpret_cast<const nlmsghdr*>(buffer)->nlmsg_len};
}

bool PutAddress(nlmsghdr* message, uint16_t type, const IpAddress& address) {
  const auto bytes = address.bytes();
  return mnl_attr_put_check(message, kRequestCapacity, type, bytes.size(), bytes.data());
}

Status CheckNextHop(const Route& route, const NextHop& hop) {
  if (!hop.gateway.is_unspecified() && hop.gateway.family() != route.destination.family()) {
    return Error{EINVAL, "route " + route.ToString() + ": gateway of the other family"};
  }
  if (hop.weight < 1 || hop.weight > 256) {
    return Error{EINVAL, "route " + route.ToString() + ": weight outside 1..256"};
  }
  if (hop.gateway.is_unspecified() && hop.ifindex == 0) {
    return Error{EINVAL, "route " + route.ToString() + ": next hop without gateway or device"};
  }
  return Status::Ok();
}

bool PutMultipath(nlmsghdr* message, const Route& route) {
  nlattr* nest = mnl_attr_nest_start_check(message, kRequestCapacity, RTA_MULTIPATH);
  if (nest == nullptr) return false;
  for (const auto& hop : route.next_hops) {
    auto* tail = static_cast<uint8_t*>(mnl_nlmsg_get_payload_tail(message));
    const size_t hop_header = RTNH_ALIGN(sizeof(rtnexthop));
    if (message->nlmsg_len + hop_header > kRequestCapacity) return false;
    auto* rtnh = reinterpret_cast<rtnexthop*>(tail);
    std::memset(rtnh, 0, hop_header);
    rtnh->rtnh_ifindex = hop.ifindex;
    rtnh->rtnh_hops = static_cast<uint8_t>(hop.weight - 1);
    rtnh->rtnh_flags = hop.onlink ? RTNH_F_ONLINK : 0;
    message->nlmsg_len += hop_header;
    if (!hop.gateway.is_unspecified() && !PutAddress(message, RTA_GATEWAY, hop.gateway)) {
      return false;
    }
    rtnh->rtnh_len = static_cast<unsigned short>(
        static_cast<uint8_t*>(mnl_nlmsg_get_payload_tail(message)) - tail);
  }
  mnl_attr_nest_end(message, nest);
  return true;
}

}  // namespace

Expected<std::vector<uint8_t>> BuildRouteRequest(RouteOp::Kind kind, const Route& route,
                                                 RouteProtocol protocol) {
  const int family = route.destination.family();
  if (family != AF_INET && family != AF_INET6) {
    return Error{EINVAL, "route without a destination family"};
  }
  const bool is_delete = kind == RouteOp::Kind::kDelete;
  if (!is_delete) {
    if (route.next_hops.empty()) {
      return Error{EINVAL, "route " + route.ToString() + ": no next hop"};
    }
    for (const auto& hop : route.next_hops) {
      if (Status status = CheckNextHop(route, hop); !status) return status.error();
    }
  }

  uint8_t* buffer = NewBuffer();
  nlmsghdr* message = mnl_nlmsg_put_header(buffer);
  message->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  if (is_delete) {
    message->nlmsg_type = RTM_DELROUTE;
  } else {
    message->nlmsg_type = RTM_NEWROUTE;
    message->nlmsg_flags |= NLM_F_CREATE;
    message->nlmsg_flags |= kind == RouteOp::Kind::kAdd ? NLM_F_EXCL : NLM_F_REPLACE;
  }
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(message, sizeof(rtmsg)));
  rtm->rtm_family = static_cast<unsigned char>(family);
  rtm->rtm_dst_len = static_cast<unsigned char>(route.destination.length());
  rtm->rtm_table = route.table < 256 ? static_cast<unsigned char>(route.table)
                                     : static_cast<unsigned char>(RT_TABLE_UNSPEC);
  rtm->rtm_protocol = protocol;
  if (is_delete) {
    // As `ip route del`: any scope and type, so the key and protocol alone select the route.
    rtm->rtm_scope = RT_SCOPE_NOWHERE;
    rtm->rtm_type = RTN_UNSPEC;
  } else {
    bool has_gateway = false;
    for (const auto& hop : route.next_hops) has_gateway |= !hop.gateway.is_unspecified();
    // A route straight onto a device is link-scoped, as `ip route add ... dev X` makes it.
    rtm->rtm_scope = (family == AF_INET && !has_gateway) ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
    rtm->rtm_type = RTN_UNICAST;
  }

  mnl_attr_put_u32(message, RTA_TABLE, route.table);
  PutAddress(message, RTA_DST, route.destination.address());
  // IPv6 would store metric 0 as 1024 anyway; saying so makes deletes match exactly.
  const uint32_t metric = EffectiveMetric(route);
  if (metric != 0 || family == AF_INET6) mnl_attr_put_u32(message, RTA_PRIORITY, metric);
  if (is_delete) {
    return Finish(buffer);
  }
  if (!route.preferred_source.is_unspecified() &&
      !PutAddress(message, RTA_PREFSRC, route.preferred_source)) {
    return Error{EMSGSIZE, "route " + route.ToString() + ": message too large"};
  }
  if (route.next_hops.size() == 1) {
    const NextHop& hop = route.next_hops.front();
    if (!hop.gateway.is_unspecified()) PutAddress(message, RTA_GATEWAY, hop.gateway);
    if (hop.ifindex != 0) mnl_attr_put_u32(message, RTA_OIF, static_cast<uint32_t>(hop.ifindex));
    if (hop.onlink) rtm->rtm_flags |= RTNH_F_ONLINK;
  } else if (!PutMultipath(message, route)) {
    return Error{EMSGSIZE, "route " + route.ToString() + ": too many next hops"};
  }
  return Finish(buffer);
}

std::vector<uint8_t> BuildRouteDumpRequest(const RouteFilter& filter, RouteProtocol protocol) {
  uint8_t* buffer = NewBuffer();
  nlmsghdr* message = mnl_nlmsg_put_header(buffer);
  message->nlmsg_type = RTM_GETROUTE;
  message->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(message, sizeof(rtmsg)));
  rtm->rtm_family = static_cast<unsigned char>(filter.family);
  rtm->rtm_protocol = protocol;
  if (filter.table != 0) mnl_attr_put_u32(message, RTA_TABLE, filter.table);
  return Finish(buffer);
}

namespace {

struct RouteAttributes {
  const nlattr* table[RTA_MAX + 1] = {};
};

int CollectAttribute(const nlattr* attribute, void* data) {
  auto* attributes = static_cast<RouteAttributes*>(data);
  const int type = mnl_attr_get_type(attribute);
  if (type >= 0 && type <= RTA_MAX) attributes->table[type] = attribute;
  return MNL_CB_OK;
}

Expected<IpAddress> AddressOf(const nlattr* attribute, int family) {
  const auto* bytes = static_cast<const uint8_t*>(mnl_attr_get_payload(attribute));
  return IpAddress::FromBytes(family, {bytes, mnl_attr_get_payload_len(attribute)});
}

Expected<std::vector<NextHop>> ParseMultipath(const nlattr* attribute, int family) {
  std::vector<NextHop> hops;
  const auto* cursor = static_cast<const uint8_t*>(mnl_attr_get_payload(attribute));
  size_t left = mnl_attr_get_payload_len(attribute);
  while (left >= sizeof(rtnexthop)) {
    const auto* rtnh = reinterpret_cast<const rtnexthop*>(cursor);
    if (rtnh->rtnh_len < sizeof(rtnexthop) || rtnh->rtnh_len > left) {
      return Error{EINVAL, "malformed RTA_MULTIPATH"};
    }
    NextHop hop;
    hop.ifindex = rtnh->rtnh_ifindex;
    hop.weight = rtnh->rtnh_hops + 1;
    hop.onlink = (rtnh->rtnh_flags & RTNH_F_ONLINK) != 0;
    // The next hop's own attributes follow its header, up to rtnh_len.
    const uint8_t* attributes_begin = cursor + RTNH_ALIGN(sizeof(rtnexthop));
    int attributes_left = static_cast<int>(cursor + rtnh->rtnh_len - attributes_begin);
    const auto* nested = reinterpret_cast<const nlattr*>(attributes_begin);
    while (attributes_left > 0 && mnl_attr_ok(nested, attributes_left)) {
      if (mnl_attr_get_type(nested) == RTA_GATEWAY) {
        auto gateway = AddressOf(nested, family);
        if (!gateway) return gateway.error();
        hop.gateway = *gateway;
      }
      attributes_left -= static_cast<int>(MNL_ALIGN(nested->nla_len));
      nested = mnl_attr_next(nested);
    }
    hops.push_back(hop);
    const size_t step = RTNH_ALIGN(rtnh->rtnh_len);
    if (step >= left) break;
    cursor += step;
    left -= step;
  }
  return hops;
}

}  // namespace

Expected<std::optional<ParsedRoute>> ParseRouteMessage(const nlmsghdr* message) {
  if (message->nlmsg_type != RTM_NEWROUTE) return std::optional<ParsedRoute>();
  if (message->nlmsg_len < NLMSG_LENGTH(sizeof(rtmsg))) {
    return Error{EINVAL, "truncated route message"};
  }
  const auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(message));
  const int family = rtm->rtm_family;
  if (family != AF_INET && family != AF_INET6) return std::optional<ParsedRoute>();
  if ((rtm->rtm_flags & RTM_F_CLONED) != 0) return std::optional<ParsedRoute>();

  RouteAttributes attributes;
  if (mnl_attr_parse(message, sizeof(rtmsg), CollectAttribute, &attributes) < 0) {
    return Error{EINVAL, "malformed route attributes"};
  }
  const auto& table = attributes.table;
  ParsedRoute parsed;
  parsed.protocol = rtm->rtm_protocol;
  parsed.type = rtm->rtm_type;
  Route& route = parsed.route;
  route.table = table[RTA_TABLE] ? mnl_attr_get_u32(table[RTA_TABLE]) : rtm->rtm_table;
  route.metric = table[RTA_PRIORITY] ? mnl_attr_get_u32(table[RTA_PRIORITY]) : 0;

  IpAddress destination;
  if (table[RTA_DST]) {
    auto address = AddressOf(table[RTA_DST], family);
    if (!address) return address.error();
    destination = *address;
  } else {
    const std::array<uint8_t, 16> zeros{};
    destination = *IpAddress::FromBytes(family, {zeros.data(), family == AF_INET ? 4u : 16u});
  }
  auto prefix = IpPrefix::Make(destination, rtm->rtm_dst_len);
  if (!prefix) return prefix.error();
  route.destination = *prefix;

  if (table[RTA_PREFSRC]) {
    auto source = AddressOf(table[RTA_PREFSRC], family);
    if (!source) return source.error();
    route.preferred_source = *source;
  }
  if (table[RTA_MULTIPATH]) {
    auto hops = ParseMultipath(table[RTA_MULTIPATH], family);
    if (!hops) return hops.error();
    route.next_hops = std::move(*hops);
  } else {
    NextHop hop;
    if (table[RTA_GATEWAY]) {
      auto gateway = AddressOf(table[RTA_GATEWAY], family);
      if (!gateway) return gateway.error();
      hop.gateway = *gateway;
    }
    hop.ifindex = table[RTA_OIF] ? static_cast<int>(mnl_attr_get_u32(table[RTA_OIF])) : 0;
    hop.onlink = (rtm->rtm_flags & RTNH_F_ONLINK) != 0;
    if (!hop.gateway.is_unspecified() || hop.ifindex != 0) route.next_hops.push_back(hop);
  }
  return std::optional<ParsedRoute>(std::move(parsed));
}

}  // namespace kr::route
