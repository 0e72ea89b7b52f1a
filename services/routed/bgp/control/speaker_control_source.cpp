#include "services/routed/bgp/control/speaker_control_source.h"

#include <cerrno>
#include <map>

namespace kr::bgp::control {
namespace {

std::string OriginLetter(const std::optional<Origin>& origin) {
  if (!origin) return "";
  switch (*origin) {
    case Origin::kIgp:
      return "i";
    case Origin::kEgp:
      return "e";
    case Origin::kIncomplete:
      return "?";
  }
  return "";
}

// Which neighbour a route came from, by RIB PeerId.
std::map<PeerId, std::string> NamesById(const std::vector<NeighborStatus>& neighbors) {
  std::map<PeerId, std::string> names;
  for (const NeighborStatus& n : neighbors) names[n.id] = n.address.ToString();
  return names;
}

std::string NameOf(PeerId from, const std::map<PeerId, std::string>& names) {
  if (from == kLocalPeer) return "local";
  auto it = names.find(from);
  return it != names.end() ? it->second : "";
}

// `best(route)`: whether the Loc-RIB chose it.
template <typename Best>
std::vector<RouteView> Views(const std::vector<RouteStatus>& routes, Family family,
                             const std::map<PeerId, std::string>& names, Best best) {
  std::vector<RouteView> out;
  for (const RouteStatus& r : routes) {
    if (!InFamily(r.route.prefix, family)) continue;
    RouteView v = ToView(r.route, NameOf(r.route.from, names), best(r.route));
    if (r.age) v.age_seconds = r.age->count();
    out.push_back(std::move(v));
  }
  return out;
}

Expected<std::vector<RouteView>> AdjRib(Speaker& speaker, const std::string& neighbor,
                                        Family family, bool in) {
  auto address = IpAddress::Parse(neighbor);
  if (!address) return Error{ENOENT, "neighbor " + neighbor + " is not configured"};
  auto routes = in ? speaker.AdjRibIn(*address) : speaker.AdjRibOut(*address);
  if (!routes) return routes.error();
  const auto names = NamesById(speaker.Neighbors());
  if (!in) {  // what we send is not a choice among candidates
    return Views(*routes, family, names, [](const RibRoute&) { return false; });
  }
  std::map<IpPrefix, PeerId> chosen;
  for (const RibRoute& r : speaker.LocRib()) chosen[r.prefix] = r.from;
  return Views(*routes, family, names, [&](const RibRoute& r) {
    auto it = chosen.find(r.prefix);
    return it != chosen.end() && it->second == r.from;
  });
}

}  // namespace

NeighborView ToView(const NeighborStatus& status, uint32_t local_as,
                    std::chrono::system_clock::time_point now) {
  NeighborView v;
  v.address = status.address.ToString();
  v.peer_as = status.peer_as;
  v.local_as = local_as;
  v.state = std::string(SessionStateName(status.state));
  if (status.state == SessionState::kEstablished && status.established_since) {
    v.uptime_seconds = std::max<int64_t>(
        0,
        std::chrono::duration_cast<std::chrono::seconds>(now - *status.established_since).count());
  }
  v.received_routes = status.received_routes;
  v.accepted_routes = status.accepted_routes;
  v.advertised_routes = status.advertised_routes;
  v.messages_received = status.messages_received;
  v.messages_sent = status.messages_sent;
  if (status.state == SessionState::kEstablished) v.hold_time = status.hold_time;
  v.capabilities = status.capabilities;
  v.last_error = status.last_error;
  if (status.router_id != 0) v.remote_router_id = IpAddress::V4(status.router_id).ToString();
  return v;
}

RouteView ToView(const RibRoute& route, std::string from, bool best) {
  RouteView v;
  v.prefix = route.prefix.ToString();
  v.next_hop = route.next_hop.ToString();
  const PathAttributes& a = route.attributes;
  v.as_path = a.as_path ? a.as_path->ToString() : "";
  v.origin = OriginLetter(a.origin);
  v.local_pref = a.local_pref;
  v.med = a.med;
  for (uint32_t c : a.communities) v.communities.push_back(CommunityToString(c));
  v.best = best;
  v.from = std::move(from);
  return v;
}

bool InFamily(const IpPrefix& prefix, Family family) {
  switch (family) {
    case Family::kIpv4:
      return prefix.family() == IpFamily::kIpv4;
    case Family::kIpv6:
      return prefix.family() == IpFamily::kIpv6;
    case Family::kAll:
      break;
  }
  return true;
}

std::vector<NeighborView> SpeakerControlSource::Neighbors() {
  const auto now = std::chrono::system_clock::now();
  std::vector<NeighborView> out;
  for (const NeighborStatus& n : speaker_.Neighbors()) out.push_back(ToView(n, local_as_, now));
  return out;
}

std::vector<RouteView> SpeakerControlSource::LocRib(Family family) {
  return Views(speaker_.LocRibStatus(), family, NamesById(speaker_.Neighbors()),
               [](const RibRoute&) { return true; });
}

Expected<std::vector<RouteView>> SpeakerControlSource::AdjRibIn(const std::string& neighbor,
                                                                Family family) {
  return AdjRib(speaker_, neighbor, family, /*in=*/true);
}

Expected<std::vector<RouteView>> SpeakerControlSource::AdjRibOut(const std::string& neighbor,
                                                                 Family family) {
  return AdjRib(speaker_, neighbor, family, /*in=*/false);
}

}  // namespace kr::bgp::control
