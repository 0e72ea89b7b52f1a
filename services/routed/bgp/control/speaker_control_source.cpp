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

// Which neighbour a Loc-RIB route came from, by RIB PeerId. NeighborStatus gains the id in
// the speaker's own work; until it has one, non-local routes stay without a name.
template <typename Status>
std::map<PeerId, std::string> NamesById(const std::vector<Status>& neighbors) {
  std::map<PeerId, std::string> names;
  if constexpr (requires(const Status& s) { PeerId{s.id}; }) {
    for (const Status& n : neighbors) names[n.id] = n.address.ToString();
  }
  return names;
}

Expected<std::vector<RouteView>> Unsupported(const std::string& what, const std::string& neighbor,
                                             const std::vector<NeighborView>& known) {
  for (const NeighborView& n : known) {
    if (n.address == neighbor) {
      return Error{ENOTSUP, what + " is not available from this speaker"};
    }
  }
  return Error{ENOENT, "neighbor " + neighbor + " is not configured"};
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
  const std::map<PeerId, std::string> names = NamesById(speaker_.Neighbors());
  std::vector<RouteView> out;
  for (const RibRoute& r : speaker_.LocRib()) {
    if (!InFamily(r.prefix, family)) continue;
    std::string from;
    if (r.from == kLocalPeer) {
      from = "local";
    } else if (auto it = names.find(r.from); it != names.end()) {
      from = it->second;
    }
    out.push_back(ToView(r, std::move(from), /*best=*/true));
  }
  return out;
}

Expected<std::vector<RouteView>> SpeakerControlSource::AdjRibIn(const std::string& neighbor,
                                                                Family) {
  return Unsupported("Adj-RIB-In", neighbor, Neighbors());
}

Expected<std::vector<RouteView>> SpeakerControlSource::AdjRibOut(const std::string& neighbor,
                                                                 Family) {
  return Unsupported("Adj-RIB-Out", neighbor, Neighbors());
}

}  // namespace kr::bgp::control
