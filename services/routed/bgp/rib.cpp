#include "services/routed/bgp/rib.h"

#include <algorithm>

namespace kr::bgp {
namespace {

constexpr uint32_t kDefaultLocalPref = 100;

bool HasCommunity(const PathAttributes& attributes, uint32_t community) {
  return std::find(attributes.communities.begin(), attributes.communities.end(), community) !=
         attributes.communities.end();
}

size_t PathLength(const PathAttributes& attributes) {
  return attributes.as_path ? attributes.as_path->Length() : 0;
}

}  // namespace

bool Rib::Better(const RibRoute& a, const RibRoute& b) const {
  auto peer_of = [&](const RibRoute& r) -> const RibPeer* {
    auto it = peers_.find(r.from);
    return it == peers_.end() ? nullptr : &it->second;
  };
  const RibPeer* pa = peer_of(a);
  const RibPeer* pb = peer_of(b);
  if (a.from != kLocalPeer && pa == nullptr) return false;
  if (b.from != kLocalPeer && pb == nullptr) return true;

  const uint32_t lp_a = a.attributes.local_pref.value_or(kDefaultLocalPref);
  const uint32_t lp_b = b.attributes.local_pref.value_or(kDefaultLocalPref);
  if (lp_a != lp_b) return lp_a > lp_b;
  // Locally originated routes win the rest of the tie (as a zero-length path would).
  if ((a.from == kLocalPeer) != (b.from == kLocalPeer)) return a.from == kLocalPeer;
  if (PathLength(a.attributes) != PathLength(b.attributes)) {
    return PathLength(a.attributes) < PathLength(b.attributes);
  }
  const auto origin_a = a.attributes.origin.value_or(Origin::kIncomplete);
  const auto origin_b = b.attributes.origin.value_or(Origin::kIncomplete);
  if (origin_a != origin_b) return origin_a < origin_b;
  // MED only between routes from the same neighbouring AS; a missing MED is 0 (RFC 4271).
  auto neighbour_as = [](const RibRoute& r, const RibPeer* p) -> uint32_t {
    if (r.attributes.as_path) {
      if (auto first = r.attributes.as_path->FirstAs()) return *first;
    }
    return p != nullptr && !p->ibgp ? p->peer_as : 0;
  };
  if (pa != nullptr && pb != nullptr && neighbour_as(a, pa) == neighbour_as(b, pb)) {
    const uint32_t med_a = a.attributes.med.value_or(0);
    const uint32_t med_b = b.attributes.med.value_or(0);
    if (med_a != med_b) return med_a < med_b;
  }
  if (pa != nullptr && pb != nullptr && pa->ibgp != pb->ibgp) return !pa->ibgp;
  // Lowest BGP identifier (the ORIGINATOR_ID stands in for it when reflected), then the
  // lowest peer address.
  auto id_of = [](const RibRoute& r, const RibPeer* p) -> uint32_t {
    if (r.attributes.originator_id) return r.attributes.originator_id->v4();
    return p != nullptr ? p->router_id : 0;
  };
  if (pa != nullptr && pb != nullptr) {
    if (id_of(a, pa) != id_of(b, pb)) return id_of(a, pa) < id_of(b, pb);
    // RFC 4456 9: the shorter CLUSTER_LIST, before the peer address.
    if (a.attributes.cluster_list.size() != b.attributes.cluster_list.size()) {
      return a.attributes.cluster_list.size() < b.attributes.cluster_list.size();
    }
    if (pa->address != pb->address) return pa->address < pb->address;
  }
  return a.from < b.from;
}

std::vector<OutgoingRoute> Rib::PeerUp(const RibPeer& peer) {
  peers_[peer.id] = peer;
  up_.insert(peer.id);
  adj_out_[peer.id].clear();
  std::vector<OutgoingRoute> out;
  for (const auto& [prefix, from] : best_) ExportTo(peers_[peer.id], prefix, out);
  return out;
}

std::vector<OutgoingRoute> Rib::PeerDown(PeerId peer, bool keep_stale) {
  std::vector<OutgoingRoute> out;
  up_.erase(peer);
  adj_out_.erase(peer);
  std::set<IpPrefix> affected;
  for (const auto& [prefix, routes] : candidates_) {
    if (routes.count(peer) != 0) affected.insert(prefix);
  }
  if (keep_stale && peers_.count(peer) != 0 && !affected.empty()) {
    // The routes stay in the Loc-RIB and with the peers they were sent to.
    stale_[peer] = std::move(affected);
    return out;
  }
  peers_.erase(peer);
  stale_.erase(peer);
  for (const IpPrefix& prefix : affected) SetCandidate(peer, prefix, std::nullopt, out);
  return out;
}

std::vector<OutgoingRoute> Rib::EndOfRib(PeerId peer, AfiSafi family) {
  return FlushStale(peer, family);
}

std::vector<OutgoingRoute> Rib::FlushStale(PeerId peer, std::optional<AfiSafi> family) {
  std::vector<OutgoingRoute> out;
  auto it = stale_.find(peer);
  if (it == stale_.end()) return out;
  std::vector<IpPrefix> flush;
  for (const IpPrefix& prefix : it->second) {
    if (!family || UnicastOf(prefix.family()) == *family) flush.push_back(prefix);
  }
  for (const IpPrefix& prefix : flush) SetCandidate(peer, prefix, std::nullopt, out);
  // SetCandidate unmarked them; a peer that is gone and has nothing left is forgotten.
  if (auto left = stale_.find(peer); left != stale_.end() && left->second.empty()) {
    stale_.erase(left);
    if (!IsUp(peer)) peers_.erase(peer);
  }
  return out;
}

bool Rib::Rejected(const RibPeer& peer, const PathAttributes& attributes) const {
  // Loop detection: our AS in the path (eBGP), or our own route reflected back (iBGP).
  if (attributes.as_path && attributes.as_path->Contains(local_as_)) return true;
  if (attributes.originator_id && attributes.originator_id->v4() == router_id_) return true;
  if (peer.ibgp && std::find(attributes.cluster_list.begin(), attributes.cluster_list.end(),
                             cluster_id_) != attributes.cluster_list.end()) {
    return true;
  }
  return false;
}

std::vector<OutgoingRoute> Rib::Apply(PeerId peer_id, const UpdateMessage& update) {
  std::vector<OutgoingRoute> out;
  auto peer = peers_.find(peer_id);
  if (peer == peers_.end() || !IsUp(peer_id)) return out;
  for (const IpPrefix& prefix : update.withdrawn) SetCandidate(peer_id, prefix, std::nullopt, out);
  if (update.mp_unreach) {
    for (const IpPrefix& prefix : update.mp_unreach->withdrawn) {
      SetCandidate(peer_id, prefix, std::nullopt, out);
    }
  }
  const bool rejected = Rejected(peer->second, update.attributes);
  auto add = [&](const IpPrefix& prefix, const IpAddress& next_hop) {
    const auto& reject = peer->second.import_reject;
    if (rejected || std::any_of(reject.begin(), reject.end(),
                                [&](const PrefixRange& r) { return r.Matches(prefix); })) {
      SetCandidate(peer_id, prefix, std::nullopt, out);
      return;
    }
    RibRoute route{peer_id, prefix, update.attributes, next_hop};
    route.attributes.next_hop.reset();  // kept in next_hop, for both families
    if (!peer->second.ibgp) route.attributes.local_pref.reset();
    SetCandidate(peer_id, prefix, std::move(route), out);
  };
  if (!update.nlri.empty() && update.attributes.next_hop) {
    for (const IpPrefix& prefix : update.nlri) add(prefix, *update.attributes.next_hop);
  }
  if (update.mp_reach) {
    for (const IpPrefix& prefix : update.mp_reach->nlri) add(prefix, update.mp_reach->next_hop);
  }
  return out;
}

std::vector<OutgoingRoute> Rib::Originate(const IpPrefix& prefix, Origin origin,
                                          std::vector<uint32_t> communities) {
  RibRoute route;
  route.from = kLocalPeer;
  route.prefix = prefix;
  route.attributes.origin = origin;
  route.attributes.as_path = AsPath{};
  route.attributes.communities = std::move(communities);
  std::vector<OutgoingRoute> out;
  SetCandidate(kLocalPeer, prefix, std::move(route), out);
  return out;
}

std::vector<OutgoingRoute> Rib::WithdrawLocal(const IpPrefix& prefix) {
  std::vector<OutgoingRoute> out;
  SetCandidate(kLocalPeer, prefix, std::nullopt, out);
  return out;
}

void Rib::SetCandidate(PeerId peer, const IpPrefix& prefix, std::optional<RibRoute> route,
                       std::vector<OutgoingRoute>& out) {
  if (auto stale = stale_.find(peer); stale != stale_.end()) stale->second.erase(prefix);
  std::optional<PeerId> best_before;
  if (auto it = best_.find(prefix); it != best_.end()) best_before = it->second;
  if (route) {
    candidates_[prefix][peer] = std::move(*route);
  } else {
    auto it = candidates_.find(prefix);
    if (it == candidates_.end() || it->second.erase(peer) == 0) return;
    if (it->second.empty()) candidates_.erase(it);
  }
  Reselect(prefix, out);
  std::optional<PeerId> best_after;
  if (auto it = best_.find(prefix); it != best_.end()) best_after = it->second;
  if (best_before != best_after || best_after == peer) ++generation_;
}

void Rib::Reselect(const IpPrefix& prefix, std::vector<OutgoingRoute>& out) {
  auto it = candidates_.find(prefix);
  if (it == candidates_.end()) {
    best_.erase(prefix);
  } else {
    const RibRoute* best = nullptr;
    for (const auto& [from, route] : it->second) {
      if (best == nullptr || Better(route, *best)) best = &route;
    }
    best_[prefix] = best->from;
  }
  // Attributes of the same best route may have changed too, so every peer is re-diffed.
  for (const auto& [id, peer] : peers_) {
    if (IsUp(id)) ExportTo(peer, prefix, out);
  }
}

const RibRoute* Rib::Best(const IpPrefix& prefix) const {
  auto it = best_.find(prefix);
  if (it == best_.end()) return nullptr;
  return &candidates_.at(prefix).at(it->second);
}

std::optional<Rib::Sent> Rib::ExportPolicy(const RibPeer& peer, const RibRoute& best) const {
  if (best.from == peer.id) return std::nullopt;
  const auto family = UnicastOf(best.prefix.family());
  if (std::find(peer.families.begin(), peer.families.end(), family) == peer.families.end()) {
    return std::nullopt;
  }
  const RibPeer* source = nullptr;
  if (auto it = peers_.find(best.from); it != peers_.end()) source = &it->second;
  // RFC 4456 6: iBGP to iBGP only by reflection, and never from a non-client to a non-client.
  const bool reflect = source != nullptr && source->ibgp && peer.ibgp;
  if (reflect && !source->route_reflector_client && !peer.route_reflector_client) {
    return std::nullopt;
  }
  const uint32_t originator = best.attributes.originator_id ? best.attributes.originator_id->v4()
                              : source != nullptr           ? source->router_id
                                                            : router_id_;
  if (reflect && originator == peer.router_id) return std::nullopt;  // its own route
  if (HasCommunity(best.attributes, community::kNoAdvertise)) return std::nullopt;
  if (!peer.ibgp && HasCommunity(best.attributes, community::kNoExport)) return std::nullopt;

  const std::optional<IpAddress>& self =
      best.prefix.family() == IpFamily::kIpv4 ? peer.local_v4 : peer.local_v6;
  Sent sent{best.attributes, best.next_hop};
  PathAttributes& a = sent.attributes;
  if (!peer.ibgp) {
    if (!a.as_path) a.as_path = AsPath{};
    a.as_path->Prepend(local_as_, 1 + size_t{peer.as_path_prepend});
    a.local_pref.reset();
    if (best.from != kLocalPeer) a.med.reset();  // MED is not passed on to a third AS
    a.originator_id.reset();
    a.cluster_list.clear();
    if (!self) return std::nullopt;
    sent.next_hop = *self;
  } else {
    if (!a.local_pref) a.local_pref = kDefaultLocalPref;
    if (reflect) {
      a.originator_id = IpAddress::V4(originator);
      a.cluster_list.insert(a.cluster_list.begin(), cluster_id_);
    }
    if (best.from == kLocalPeer || peer.next_hop_self_ibgp) {
      if (!self) return std::nullopt;
      sent.next_hop = *self;
    }
  }
  a.next_hop.reset();
  if (best.prefix.family() == IpFamily::kIpv4) a.next_hop = sent.next_hop;
  return sent;
}

void Rib::ExportTo(const RibPeer& peer, const IpPrefix& prefix, std::vector<OutgoingRoute>& out) {
  const RibRoute* best = Best(prefix);
  std::optional<Sent> sent = best == nullptr ? std::nullopt : ExportPolicy(peer, *best);
  auto& adj_out = adj_out_[peer.id];
  auto it = adj_out.find(prefix);
  if (!sent) {
    if (it == adj_out.end()) return;
    adj_out.erase(it);
    out.push_back(OutgoingRoute{peer.id, prefix, std::nullopt, IpAddress{}});
    return;
  }
  if (it != adj_out.end() && it->second.attributes == sent->attributes &&
      it->second.next_hop == sent->next_hop) {
    return;
  }
  out.push_back(OutgoingRoute{peer.id, prefix, sent->attributes, sent->next_hop});
  adj_out[prefix] = std::move(*sent);
}

std::vector<RibRoute> Rib::LocRib() const {
  std::vector<RibRoute> routes;
  for (const auto& [prefix, from] : best_) routes.push_back(candidates_.at(prefix).at(from));
  return routes;
}

std::vector<RibRoute> Rib::AdjRibIn(PeerId peer) const {
  std::vector<RibRoute> routes;
  for (const auto& [prefix, by_peer] : candidates_) {
    if (auto it = by_peer.find(peer); it != by_peer.end()) routes.push_back(it->second);
  }
  return routes;
}

size_t Rib::received_count(PeerId peer) const {
  size_t count = 0;
  for (const auto& [prefix, by_peer] : candidates_) count += by_peer.count(peer);
  return count;
}

size_t Rib::advertised_count(PeerId peer) const {
  auto it = adj_out_.find(peer);
  return it == adj_out_.end() ? 0 : it->second.size();
}

size_t Rib::stale_count(PeerId peer) const {
  auto it = stale_.find(peer);
  return it == stale_.end() ? 0 : it->second.size();
}

bool Rib::IsStale(PeerId peer, const IpPrefix& prefix) const {
  auto it = stale_.find(peer);
  return it != stale_.end() && it->second.count(prefix) != 0;
}

size_t Rib::accepted_count(PeerId peer) const {
  size_t count = 0;
  for (const auto& [prefix, from] : best_) count += from == peer ? 1 : 0;
  return count;
}

std::vector<OutgoingRoute> Rib::AdjRibOut(PeerId peer) const {
  std::vector<OutgoingRoute> routes;
  auto it = adj_out_.find(peer);
  if (it == adj_out_.end()) return routes;
  for (const auto& [prefix, sent] : it->second) {
    routes.push_back(OutgoingRoute{peer, prefix, sent.attributes, sent.next_hop});
  }
  return routes;
}

}  // namespace kr::bgp
