#include "common/route/route_types.h"

#include <algorithm>

namespace kr::route {

std::string NextHop::ToString() const {
  std::string text;
  if (!gateway.is_unspecified()) text += "via " + gateway.ToString();
  if (ifindex != 0)
    text += std::string(text.empty() ? "" : " ") + "dev #" + std::to_string(ifindex);
  if (onlink) text += " onlink";
  if (weight != 1) text += " weight " + std::to_string(weight);
  return text;
}

std::string Route::ToString() const {
  std::string text = destination.ToString();
  if (next_hops.size() == 1) {
    text += " " + next_hops.front().ToString();
  } else {
    for (const auto& hop : next_hops) text += " nexthop " + hop.ToString();
  }
  if (!preferred_source.is_unspecified()) text += " src " + preferred_source.ToString();
  text += " table " + std::to_string(table) + " metric " + std::to_string(metric);
  return text;
}

uint32_t EffectiveMetric(const Route& route) {
  if (route.destination.family() == AF_INET6 && route.metric == 0) return kIpv6DefaultMetric;
  return route.metric;
}

RouteKey KeyOf(const Route& route) {
  return RouteKey{route.destination.family(), route.table, route.destination,
                  EffectiveMetric(route)};
}

Route Normalized(Route route) {
  route.metric = EffectiveMetric(route);
  std::sort(route.next_hops.begin(), route.next_hops.end());
  if (route.next_hops.size() == 1) route.next_hops.front().weight = 1;
  return route;
}

std::string RouteOp::ToString() const {
  const char* verb = kind == Kind::kAdd ? "add" : kind == Kind::kReplace ? "replace" : "delete";
  return std::string(verb) + " " + route.ToString();
}

bool RouteFilter::Matches(const Route& route) const {
  if (family != AF_UNSPEC && route.destination.family() != family) return false;
  return table == 0 || route.table == table;
}

}  // namespace kr::route
