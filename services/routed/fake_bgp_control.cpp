#include "services/routed/fake_bgp_control.h"

#include <utility>

namespace kr::routed {

Status FakeBgpControl::Configure(const BgpPlan& plan) {
  ++configure_calls_;
  if (fail_next_) {
    Error error = std::move(*fail_next_);
    fail_next_.reset();
    return error;
  }
  plan_ = plan;
  ++generation_;
  return Status::Ok();
}

size_t FakeBgpControl::SetOriginated(const std::set<bgp::IpPrefix>& prefixes) {
  size_t changes = 0;
  for (const auto& p : prefixes) changes += originated_.count(p) ? 0 : 1;
  for (const auto& p : originated_) changes += prefixes.count(p) ? 0 : 1;
  originated_ = prefixes;
  if (changes > 0) ++generation_;
  return changes;
}

std::vector<bgp::NeighborStatus> FakeBgpControl::Neighbors() {
  std::vector<bgp::NeighborStatus> out;
  if (!plan_) return out;
  for (const BgpPeerSpec& peer : plan_->peers) {
    bgp::NeighborStatus n;
    n.address = peer.address;
    n.peer_as = peer.asn;
    n.state =
        down_.count(peer.address) ? bgp::SessionState::kActive : bgp::SessionState::kEstablished;
    out.push_back(n);
  }
  return out;
}

std::vector<bgp::RibRoute> FakeBgpControl::LocRib() {
  ++loc_rib_calls_;
  return Table();
}

std::optional<bgp::LocRibChanges> FakeBgpControl::TakeLocRibChanges() {
  if (!track_changes_) return std::nullopt;
  std::map<bgp::IpPrefix, bgp::BestRoute> now;
  for (const bgp::RibRoute& r : Table()) now[r.prefix] = bgp::BestRoute{r.from, r.next_hop};
  std::optional<std::map<bgp::IpPrefix, bgp::BestRoute>> before = std::exchange(taken_, now);
  if (!before) return std::nullopt;
  bgp::LocRibChanges changes;
  for (const auto& [prefix, best] : now) {
    auto old = before->find(prefix);
    if (old == before->end() || old->second != best) changes[prefix] = best;
  }
  for (const auto& [prefix, best] : *before) {
    if (!now.count(prefix)) changes[prefix] = std::nullopt;
  }
  return changes;
}

std::vector<bgp::RibRoute> FakeBgpControl::Table() const {
  std::vector<bgp::RibRoute> out;
  if (!plan_) return out;
  for (const bgp::IpPrefix& p : originated_) {
    bgp::RibRoute r;
    r.prefix = p;
    r.next_hop = plan_->local_address;
    out.push_back(r);
  }
  bgp::PeerId id = 0;
  for (const BgpPeerSpec& peer : plan_->peers) {
    ++id;
    if (down_.count(peer.address)) continue;
    for (const auto& [prefix, next_hop] : learned_) {
      if (next_hop != peer.address) continue;
      bgp::RibRoute r;
      r.from = id;
      r.prefix = prefix;
      r.next_hop = next_hop;
      out.push_back(r);
    }
  }
  return out;
}

void FakeBgpControl::Learn(const std::string& prefix, const std::string& next_hop) {
  learned_[*bgp::IpPrefix::Parse(prefix)] = *bgp::IpAddress::Parse(next_hop);
  ++generation_;
}

void FakeBgpControl::Forget(const std::string& prefix) {
  learned_.erase(*bgp::IpPrefix::Parse(prefix));
  ++generation_;
}

void FakeBgpControl::SetSessionUp(const std::string& peer, bool up) {
  const bgp::IpAddress address = *bgp::IpAddress::Parse(peer);
  if (up) {
    down_.erase(address);
  } else {
    down_.insert(address);
  }
  ++generation_;
}

std::set<std::string> FakeBgpControl::PeerAddresses() const {
  std::set<std::string> out;
  if (plan_) {
    for (const BgpPeerSpec& peer : plan_->peers) out.insert(peer.address.ToString());
  }
  return out;
}

std::set<std::string> FakeBgpControl::Originated() const {
  std::set<std::string> out;
  for (const auto& p : originated_) out.insert(p.ToString());
  return out;
}

}  // namespace kr::routed
