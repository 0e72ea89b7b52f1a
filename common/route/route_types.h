// Kernel routes as routed sees them: a destination in a table with a metric, reached through
// one next hop or several (ECMP), always tagged with our route protocol id.
//
// The key of a route is what the kernel itself uses to tell routes apart in a table:
// (family, table, destination, metric). Two routes with one key cannot coexist, whatever
// protocol added them; that is why adding never replaces (see route_kernel.h).
#pragma once

#include <linux/rtnetlink.h>

#include <compare>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "common/route/ip_prefix.h"

namespace kr::route {

// The rtm_protocol value our routes carry (`ip route show proto <id>`), a byte in the kernel.
using RouteProtocol = uint8_t;

// 17, what kube-router tags its routes with (it meant RTPROT_ZEBRA but wrote 0x11). No entry
// of iproute2's rt_protos (Debian 12) or FRR's rt_protos.d uses it; the kernel header names
// it RTPROT_MROUTED, a multicast daemon that installs no unicast routes. Sharing kube-router's
// id means a node switched from kube-router to routed adopts and cleans up its old routes.
inline constexpr RouteProtocol kDefaultRouteProtocol = 17;

// IPv6 stores a route added with metric 0 under this metric (IP6_RT_PRIO_USER).
inline constexpr uint32_t kIpv6DefaultMetric = 1024;

struct NextHop {
  IpAddress gateway;    // unspecified: the destination is directly on `ifindex`
  int ifindex = 0;      // 0: the kernel derives the interface from the gateway
  bool onlink = false;  // gateway reachable on ifindex without a connected subnet (tunnels)
  int weight = 1;       // 1..256; relative share among several next hops

  auto operator<=>(const NextHop&) const = default;
  std::string ToString() const;
};

struct Route {
  IpPrefix destination;
  uint32_t table = RT_TABLE_MAIN;
  uint32_t metric = 0;             // IPv6 turns 0 into kIpv6DefaultMetric
  std::vector<NextHop> next_hops;  // one: a plain route; several: ECMP (RTA_MULTIPATH)
  IpAddress preferred_source;      // RTA_PREFSRC; unspecified: none

  bool operator==(const Route&) const = default;
  std::string ToString() const;  // `ip route`-like text for logs and test failures
};

struct RouteKey {
  int family = AF_UNSPEC;
  uint32_t table = 0;
  IpPrefix destination;
  uint32_t metric = 0;  // effective metric (IPv6 0 already turned into 1024)

  auto operator<=>(const RouteKey&) const = default;
};

uint32_t EffectiveMetric(const Route& route);
RouteKey KeyOf(const Route& route);

// The form the kernel reports a route in: effective metric, next hops sorted, the weight of a
// lone next hop is 1 (the kernel keeps no weight for it). Equal normalized routes are equal
// in the kernel.
Route Normalized(Route route);

struct RouteOp {
  enum class Kind { kAdd, kReplace, kDelete };
  Kind kind = Kind::kAdd;
  Route route;

  bool operator==(const RouteOp&) const = default;
  std::string ToString() const;
};

// Which of our routes a dump returns.
struct RouteFilter {
  int family = AF_UNSPEC;  // AF_INET, AF_INET6, or AF_UNSPEC for both
  uint32_t table = 0;      // 0: every table

  bool Matches(const Route& route) const;
};

// An IP-in-IP tunnel to one remote: kind "ipip" for an IPv4 remote, "ip6tnl" in ip6ip6 mode
// for an IPv6 one (what kube-router's overlay creates).
struct TunnelSpec {
  std::string name;          // at most 15 bytes (IFNAMSIZ - 1)
  IpAddress local;           // unspecified: any local address
  IpAddress remote;          // decides the kind
  int underlay_ifindex = 0;  // IFLA_IPTUN_LINK: bind to this interface; 0 for none
  uint8_t ttl = 0;           // 0: inherit from the inner packet
  uint32_t mtu = 0;          // 0: the kernel's choice

  bool operator==(const TunnelSpec&) const = default;
};

struct Tunnel {
  TunnelSpec spec;
  int ifindex = 0;
  bool up = false;
};

}  // namespace kr::route
