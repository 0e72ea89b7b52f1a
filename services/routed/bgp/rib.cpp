#include "services/routed/bgp/rib.h"

#include <algorithm>
#include <cstring>
#include <span>
#include <utility>

namespace kr::bgp {
namespace {

constexpr uint32_t kDefaultLocalPref = 100;
// Sweep the intern table when it holds this many more sets than after the last sweep.
constexpr size_t kSweepSlack = 256;

uint64_t Mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}

uint64_t Finish(uint64_t h) {
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

uint64_t HashAddress(uint64_t h, const IpAddress& address) {
  h = Mix(h, static_cast<uint64_t>(address.family()));
  for (uint8_t b : address.bytes()) h = Mix(h, b);
  return h;
}

template <typename T>
uint64_t HashValues(uint64_t h, const std::vector<T>& values) {
  h = Mix(h, values.size());
  for (const T& v : values) h = Mix(h, static_cast<uint64_t>(v));
  return h;
}

size_t HashAttributes(const PathAttributes& a, const IpAddress& next_hop) {
  uint64_t h = HashAddress(0, next_hop);
  h = Mix(h, a.origin ? 1 + static_cast<uint64_t>(*a.origin) : 0);
  if (a.as_path) {
    for (const auto& segment : a.as_path->segments) {
      h = Mix(h, static_cast<uint64_t>(segment.type));
      h = HashValues(h, segment.asns);
    }
  } else {
    h = Mix(h, 0xa5);
  }
  h = a.next_hop ? HashAddress(h, *a.next_hop) : Mix(h, 0);
  h = Mix(h, a.med ? 1 + uint64_t{*a.med} : 0);
  h = Mix(h, a.local_pref ? 1 + uint64_t{*a.local_pref} : 0);
  h = Mix(h, a.atomic_aggregate ? 1 : 0);
  if (a.aggregator) h = HashAddress(Mix(h, a.aggregator->asn), a.aggregator->address);
  h = HashValues(h, a.communities);
  h = a.originator_id ? HashAddress(h, *a.originator_id) : Mix(h, 0);
  h = HashValues(h, a.cluster_list);
  h = HashValues(h, a.extended_communities);
  for (const LargeCommunity& c : a.large_communities) {
    h = Mix(Mix(Mix(h, c.global_admin), c.local_data1), c.local_data2);
  }
  for (const RawAttribute& raw : a.unknown_transitive) {
    h = Mix(Mix(h, raw.type), raw.flags);
    h = HashValues(h, raw.value);
  }
  return static_cast<size_t>(Finish(h));
}

bool HasCommunity(const PathAttributes& attributes, uint32_t community) {
  return std::find(attributes.communities.begin(), attributes.communities.end(), community) !=
         attributes.communities.end();
}

size_t PathLength(const PathAttributes& attributes) {
  return attributes.as_path ? attributes.as_path->Length() : 0;
}

}  // namespace

size_t Rib::PrefixHash::operator()(const IpPrefix& prefix) const noexcept {
  // Runs for every prefix received (a large share of taking in a full table): whole words
  // through the finalizer rather than a mix step per byte.
  const std::span<const uint8_t> bytes = prefix.address().bytes();
  uint64_t words[2] = {0, 0};
  std::memcpy(words, bytes.data(), std::min(bytes.size(), sizeof(words)));
  const uint64_t tag = (uint64_t{prefix.length()} << 56) ^ (bytes.size() == 16 ? 1ULL << 55 : 0);
  uint64_t h = Finish(words[0] ^ tag);
  if (bytes.size() == 16) h = Finish(h ^ words[1]);
  return static_cast<size_t>(h);
}

bool Rib::Better(const RibRoute& a, const RibRoute& b) const {
  return Prefers(a.from, a.attributes, b.from, b.attributes);
}

bool Rib::Prefers(PeerId a_from, const PathAttributes& a_attributes, PeerId b_from,
                  const PathAttributes& b_attributes) const {
  // The attributes stand in for the routes below, as RibRoute did before interning.
  struct View {
    PeerId from;
    const PathAttributes& attributes;
  };
  const View a{a_from, a_attributes};
  const View b{b_from, b_attributes};
  auto peer_of = [&](const View& r) -> const RibPeer* {
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
  auto neighbour_as = [](const View& r, const RibPeer* p) -> uint32_t {
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
  auto id_of = [](const View& r, const RibPeer* p) -> uint32_t {
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

Rib::SharedAttributes Rib::Intern(PathAttributes attributes, const IpAddress& next_hop) {
  const size_t hash = HashAttributes(attributes, next_hop);
  std::vector<SharedAttributes>& bucket = interned_[hash];
  for (const SharedAttributes& stored : bucket) {
    if (stored->next_hop == next_hop && stored->attributes == attributes) return stored;
  }
  bucket.push_back(std::make_shared<const StoredAttributes>(
      StoredAttributes{std::move(attributes), next_hop, hash}));
  ++interned_count_;
  return bucket.back();
}

void Rib::SweepInterned() {
  // Amortized: a full pass only after the table has grown by a slack since the last one.
  if (interned_count_ < 2 * interned_after_sweep_ + kSweepSlack) return;
  for (auto it = interned_.begin(); it != interned_.end();) {
    auto& bucket = it->second;
    std::erase_if(bucket, [](const SharedAttributes& s) { return s.use_count() == 1; });
    it = bucket.empty() ? interned_.erase(it) : std::next(it);
  }
  interned_count_ = 0;
  for (const auto& [hash, bucket] : interned_) interned_count_ += bucket.size();
  interned_after_sweep_ = interned_count_;
}

std::vector<OutgoingRoute> Rib::PeerUp(const RibPeer& peer) {
  peers_[peer.id] = peer;
  up_.insert(peer.id);
  adj_out_[peer.id].clear();
  std::vector<IpPrefix> prefixes;
  prefixes.reserve(table_.size());
  for (const auto& [prefix, entry] : table_) prefixes.push_back(prefix);
  std::sort(prefixes.begin(), prefixes.end());
  std::vector<OutgoingRoute> out;
  for (const IpPrefix& prefix : prefixes) {
    ExportTo(peers_[peer.id], prefix, BestCandidate(prefix), out);
  }
  SweepInterned();
  return out;
}

std::vector<OutgoingRoute> Rib::PeerDown(PeerId peer, bool keep_stale) {
  std::vector<OutgoingRoute> out;
  up_.erase(peer);
  adj_out_.erase(peer);
  std::vector<IpPrefix> affected;
  for (const auto& [prefix, entry] : table_) {
    for (const Candidate& c : entry.candidates) {
      if (c.from == peer) affected.push_back(prefix);
    }
  }
  if (keep_stale && peers_.count(peer) != 0 && !affected.empty()) {
    // The routes stay in the Loc-RIB and with the peers they were sent to.
    auto& stale = stale_[peer];
    stale.clear();
    stale.insert(affected.begin(), affected.end());
    SweepInterned();
    return out;
  }
  peers_.erase(peer);
  stale_.erase(peer);
  std::sort(affected.begin(), affected.end());
  for (const IpPrefix& prefix : affected) SetCandidate(peer, prefix, nullptr, out);
  SweepInterned();
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
  std::sort(flush.begin(), flush.end());
  for (const IpPrefix& prefix : flush) SetCandidate(peer, prefix, nullptr, out);
  // SetCandidate unmarked them; a peer that is gone and has nothing left is forgotten.
  if (auto left = stale_.find(peer); left != stale_.end() && left->second.empty()) {
    stale_.erase(left);
    if (!IsUp(peer)) peers_.erase(peer);
  }
  SweepInterned();
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
  for (const IpPrefix& prefix : update.withdrawn) SetCandidate(peer_id, prefix, nullptr, out);
  if (update.mp_unreach) {
    for (const IpPrefix& prefix : update.mp_unreach->withdrawn) {
      SetCandidate(peer_id, prefix, nullptr, out);
    }
  }
  const bool rejected = Rejected(peer->second, update.attributes);
  // One shared attribute set per next hop for all the UPDATE's prefixes.
  auto stored_for = [&](const IpAddress& next_hop) {
    PathAttributes attributes = update.attributes;
    attributes.next_hop.reset();  // kept beside them, for both families
    if (!peer->second.ibgp) attributes.local_pref.reset();
    return Intern(std::move(attributes), next_hop);
  };
  auto add_all = [&](const std::vector<IpPrefix>& prefixes, const IpAddress& next_hop) {
    const auto& reject = peer->second.import_reject;
    SharedAttributes stored = rejected ? nullptr : stored_for(next_hop);
    for (const IpPrefix& prefix : prefixes) {
      const bool drop = rejected || std::any_of(reject.begin(), reject.end(),
                                                [&](const auto& r) { return r.Matches(prefix); });
      SetCandidate(peer_id, prefix, drop ? nullptr : stored, out);
    }
  };
  if (!update.nlri.empty() && update.attributes.next_hop) {
    add_all(update.nlri, *update.attributes.next_hop);
  }
  if (update.mp_reach && !update.mp_reach->nlri.empty()) {
    add_all(update.mp_reach->nlri, update.mp_reach->next_hop);
  }
  SweepInterned();
  return out;
}

std::vector<OutgoingRoute> Rib::Originate(const IpPrefix& prefix, Origin origin,
                                          std::vector<uint32_t> communities) {
  PathAttributes attributes;
  attributes.origin = origin;
  attributes.as_path = AsPath{};
  attributes.communities = std::move(communities);
  std::vector<OutgoingRoute> out;
  SetCandidate(kLocalPeer, prefix, Intern(std::move(attributes), IpAddress{}), out);
  SweepInterned();
  return out;
}

std::vector<OutgoingRoute> Rib::WithdrawLocal(const IpPrefix& prefix) {
  std::vector<OutgoingRoute> out;
  SetCandidate(kLocalPeer, prefix, nullptr, out);
  SweepInterned();
  return out;
}

void Rib::SetCandidate(PeerId peer, const IpPrefix& prefix, SharedAttributes stored,
                       std::vector<OutgoingRoute>& out) {
  if (!stale_.empty()) {
    if (auto stale = stale_.find(peer); stale != stale_.end()) stale->second.erase(prefix);
  }
  auto of_peer = [peer](const Candidate& c) { return c.from == peer; };
  std::optional<PeerId> best_before;
  std::optional<PeerId> best_after;
  const Candidate* best = nullptr;  // stays valid through the exports below
  if (stored) {
    auto [it, inserted] = table_.try_emplace(prefix);
    PrefixEntry& entry = it->second;
    if (!inserted) best_before = entry.candidates[entry.best].from;
    auto c = std::find_if(entry.candidates.begin(), entry.candidates.end(), of_peer);
    if (c != entry.candidates.end()) {
      if (c->stored != stored) c->since = clock_;
      c->stored = std::move(stored);
    } else {
      entry.candidates.push_back(
          Candidate{.from = peer, .since = clock_, .stored = std::move(stored)});
    }
    SelectBest(entry);
    best = &entry.candidates[entry.best];
    best_after = best->from;
  } else {
    auto it = table_.find(prefix);
    if (it == table_.end()) return;
    PrefixEntry& entry = it->second;
    auto c = std::find_if(entry.candidates.begin(), entry.candidates.end(), of_peer);
    if (c == entry.candidates.end()) return;
    best_before = entry.candidates[entry.best].from;
    entry.candidates.erase(c);
    if (entry.candidates.empty()) {
      table_.erase(it);
    } else {
      SelectBest(entry);
      best = &entry.candidates[entry.best];
      best_after = best->from;
    }
  }
  // Attributes of the same best route may have changed too, so every peer is re-diffed.
  for (const auto& [id, p] : peers_) {
    if (IsUp(id)) ExportTo(p, prefix, best, out);
  }
  if (best_before != best_after || best_after == peer) {
    ++generation_;
    if (track_changes_) {
      std::optional<BestRoute> now;
      if (best) now = BestRoute{best->from, best->stored->next_hop};
      changes_.push_back(LocRibChange{prefix, now});
    }
  }
}

void Rib::SelectBest(PrefixEntry& entry) const {
  uint32_t best = 0;
  for (uint32_t i = 1; i < entry.candidates.size(); ++i) {
    const Candidate& c = entry.candidates[i];
    const Candidate& b = entry.candidates[best];
    if (Prefers(c.from, c.stored->attributes, b.from, b.stored->attributes)) best = i;
  }
  entry.best = best;
}

const Rib::Candidate* Rib::BestCandidate(const IpPrefix& prefix) const {
  auto it = table_.find(prefix);
  if (it == table_.end()) return nullptr;
  return &it->second.candidates[it->second.best];
}

const RibRoute* Rib::Best(const IpPrefix& prefix) const {
  const Candidate* best = BestCandidate(prefix);
  if (best == nullptr) return nullptr;
  best_view_ = RibRoute{best->from, prefix, best->stored->attributes, best->stored->next_hop};
  return &*best_view_;
}

std::optional<Rib::Sent> Rib::ExportPolicy(const RibPeer& peer, const IpPrefix& prefix,
                                           const Candidate& best) const {
  if (best.from == peer.id) return std::nullopt;
  if (peer.export_local_only && best.from != kLocalPeer) return std::nullopt;
  const auto family = UnicastOf(prefix.family());
  if (std::find(peer.families.begin(), peer.families.end(), family) == peer.families.end()) {
    return std::nullopt;
  }
  const PathAttributes& attributes = best.stored->attributes;
  const RibPeer* source = nullptr;
  if (auto it = peers_.find(best.from); it != peers_.end()) source = &it->second;
  // RFC 4456 6: iBGP to iBGP only by reflection, and never from a non-client to a non-client.
  const bool reflect = source != nullptr && source->ibgp && peer.ibgp;
  if (reflect && !source->route_reflector_client && !peer.route_reflector_client) {
    return std::nullopt;
  }
  const uint32_t originator = attributes.originator_id ? attributes.originator_id->v4()
                              : source != nullptr      ? source->router_id
                                                       : router_id_;
  if (reflect && originator == peer.router_id) return std::nullopt;  // its own route
  if (HasCommunity(attributes, community::kNoAdvertise)) return std::nullopt;
  if (!peer.ibgp && HasCommunity(attributes, community::kNoExport)) return std::nullopt;

  const std::optional<IpAddress>& self =
      prefix.family() == IpFamily::kIpv4 ? peer.local_v4 : peer.local_v6;
  Sent sent{attributes, best.stored->next_hop};
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
  if (prefix.family() == IpFamily::kIpv4) a.next_hop = sent.next_hop;
  return sent;
}

void Rib::ExportTo(const RibPeer& peer, const IpPrefix& prefix, const Candidate* best,
                   std::vector<OutgoingRoute>& out) {
  std::optional<Sent> sent = best == nullptr ? std::nullopt : ExportPolicy(peer, prefix, *best);
  auto& adj_out = adj_out_[peer.id];
  auto it = adj_out.find(prefix);
  if (!sent) {
    if (it == adj_out.end()) return;
    adj_out.erase(it);
    out.push_back(OutgoingRoute{peer.id, prefix, std::nullopt, IpAddress{}});
    return;
  }
  if (it != adj_out.end() && it->second->attributes == sent->attributes &&
      it->second->next_hop == sent->next_hop) {
    return;
  }
  out.push_back(OutgoingRoute{peer.id, prefix, sent->attributes, sent->next_hop});
  adj_out[prefix] = Intern(std::move(sent->attributes), sent->next_hop);
}

std::vector<RibRoute> Rib::LocRib() const {
  std::vector<std::pair<IpPrefix, const Candidate*>> best;
  best.reserve(table_.size());
  for (const auto& [prefix, entry] : table_) {
    best.emplace_back(prefix, &entry.candidates[entry.best]);
  }
  std::sort(best.begin(), best.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<RibRoute> routes;
  routes.reserve(best.size());
  for (const auto& [prefix, c] : best) {
    routes.push_back(RibRoute{c->from, prefix, c->stored->attributes, c->stored->next_hop});
  }
  return routes;
}

std::vector<RibRoute> Rib::AdjRibIn(PeerId peer) const {
  std::vector<std::pair<IpPrefix, const Candidate*>> mine;
  for (const auto& [prefix, entry] : table_) {
    for (const Candidate& c : entry.candidates) {
      if (c.from == peer) mine.emplace_back(prefix, &c);
    }
  }
  std::sort(mine.begin(), mine.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<RibRoute> routes;
  routes.reserve(mine.size());
  for (const auto& [prefix, c] : mine) {
    routes.push_back(RibRoute{c->from, prefix, c->stored->attributes, c->stored->next_hop});
  }
  return routes;
}

size_t Rib::received_count(PeerId peer) const {
  size_t count = 0;
  for (const auto& [prefix, entry] : table_) {
    for (const Candidate& c : entry.candidates) count += c.from == peer ? 1 : 0;
  }
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
  for (const auto& [prefix, entry] : table_) {
    count += entry.candidates[entry.best].from == peer ? 1 : 0;
  }
  return count;
}

std::vector<OutgoingRoute> Rib::AdjRibOut(PeerId peer) const {
  std::vector<OutgoingRoute> routes;
  auto it = adj_out_.find(peer);
  if (it == adj_out_.end()) return routes;
  std::vector<std::pair<IpPrefix, const StoredAttributes*>> sent;
  sent.reserve(it->second.size());
  for (const auto& [prefix, stored] : it->second) sent.emplace_back(prefix, stored.get());
  std::sort(sent.begin(), sent.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  routes.reserve(sent.size());
  for (const auto& [prefix, stored] : sent) {
    routes.push_back(OutgoingRoute{peer, prefix, stored->attributes, stored->next_hop});
  }
  return routes;
}

std::optional<uint32_t> Rib::Since(PeerId peer, const IpPrefix& prefix) const {
  auto it = table_.find(prefix);
  if (it == table_.end()) return std::nullopt;
  for (const Candidate& c : it->second.candidates) {
    if (c.from == peer) return c.since;
  }
  return std::nullopt;
}

}  // namespace kr::bgp
