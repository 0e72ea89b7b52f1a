#include "common/route/route_diff.h"

#include <map>

namespace kr::route {
namespace {

bool HopSatisfies(const NextHop& current, const NextHop& desired) {
  return current.gateway == desired.gateway && current.onlink == desired.onlink &&
         current.weight == desired.weight &&
         (desired.ifindex == 0 || current.ifindex == desired.ifindex);
}

}  // namespace

bool Satisfies(const Route& current_route, const Route& desired_route) {
  const Route current = Normalized(current_route);
  const Route desired = Normalized(desired_route);
  if (KeyOf(current) != KeyOf(desired)) return false;
  if (current.preferred_source != desired.preferred_source) return false;
  if (current.next_hops.size() != desired.next_hops.size()) return false;
  std::vector<bool> used(current.next_hops.size(), false);
  for (const auto& want : desired.next_hops) {
    bool matched = false;
    for (size_t i = 0; i < current.next_hops.size() && !matched; ++i) {
      if (!used[i] && HopSatisfies(current.next_hops[i], want)) used[i] = matched = true;
    }
    if (!matched) return false;
  }
  return true;
}

std::vector<RouteOp> DiffRoutes(std::span<const Route> desired, std::span<const Route> current) {
  std::map<RouteKey, const Route*> wanted;
  for (const auto& route : desired) wanted[KeyOf(route)] = &route;
  std::map<RouteKey, const Route*> present;
  for (const auto& route : current) present.emplace(KeyOf(route), &route);

  std::vector<RouteOp> ops;
  for (const auto& [key, route] : wanted) {
    const auto it = present.find(key);
    if (it == present.end()) {
      ops.push_back({RouteOp::Kind::kAdd, *route});
    } else if (!Satisfies(*it->second, *route)) {
      ops.push_back({RouteOp::Kind::kReplace, *route});
    }
  }
  for (const auto& [key, route] : present) {
    if (!wanted.contains(key)) ops.push_back({RouteOp::Kind::kDelete, *route});
  }
  return ops;
}

}  // namespace kr::route
