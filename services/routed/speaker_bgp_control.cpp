#include "services/routed/speaker_bgp_control.h"

#include <map>

#include "common/log/log.h"
#include "services/routed/node_view.h"

namespace kr::routed {
namespace {

bool SameIdentity(const BgpPlan& a, const BgpPlan& b) {
  return a.local_asn == b.local_asn && a.router_id == b.router_id &&
         a.local_address == b.local_address && a.other_family_address == b.other_family_address;
}

}  // namespace

bgp::PeerConfig ToPeerConfig(const BgpPeerSpec& spec, const BgpPlan& plan) {
  bgp::PeerConfig config;
  config.address = spec.address;
  config.peer_as = spec.asn;
  config.port = spec.port;
  config.md5_password = spec.password;
  if (spec.multihop_ttl) config.ttl = *spec.multihop_ttl;
  config.families = {spec.address.is_v4() ? bgp::kIpv4Unicast : bgp::kIpv6Unicast};
  if (plan.other_family_address) {
    config.families.push_back(spec.address.is_v4() ? bgp::kIpv6Unicast : bgp::kIpv4Unicast);
    config.other_family_next_hop = plan.other_family_address;
  }
  config.route_reflector_client = spec.route_reflector_client;
  config.export_local_only = !spec.cluster_node;
  return config;
}

std::optional<uint32_t> ClusterId(const BgpPlan& plan) {
  if (!plan.route_reflector_server || plan.cluster_id.empty()) return std::nullopt;
  if (auto number = ParseAsn(plan.cluster_id)) return *number;
  if (auto ip = bgp::IpAddress::Parse(plan.cluster_id); ip && ip->is_v4()) return ip->v4();
  return std::nullopt;
}

bgp::SpeakerConfig SpeakerBgpControl::ToSpeakerConfig(const BgpPlan& plan) const {
  bgp::SpeakerConfig config;
  config.local_as = plan.local_asn;
  config.router_id = plan.router_id;
  config.listen_address = plan.local_address;
  config.port = settings_.port;
  config.hold_time = settings_.hold_time;
  config.connect_retry_seconds = settings_.connect_retry_seconds;
  config.cluster_id = ClusterId(plan);
  config.originate.assign(originated_.begin(), originated_.end());
  if (settings_.on_loc_rib_change) {
    config.on_loc_rib_change = [wake = settings_.on_loc_rib_change](uint64_t) { wake(); };
  }
  config.track_loc_rib_changes = true;  // RoutedController follows the Loc-RIB by changes
  for (const BgpPeerSpec& spec : plan.peers) config.peers.push_back(ToPeerConfig(spec, plan));
  return config;
}

Status SpeakerBgpControl::Configure(const BgpPlan& plan) {
  BgpPlan wanted = plan;
  wanted.problems.clear();
  if (speaker_ && applied_ == wanted) return Status::Ok();
  if (speaker_ && SameIdentity(*applied_, wanted) && applied_cluster_id_ == ClusterId(wanted)) {
    return UpdatePeers(wanted);
  }
  return Recreate(wanted);
}

Status SpeakerBgpControl::Recreate(const BgpPlan& plan) {
  // Only one listener may hold the port: the old speaker goes first.
  if (speaker_) {
    KR_LOG(INFO) << "bgp: identity changed: restarting the speaker (AS " << plan.local_asn << ", "
                 << plan.peers.size() << " peers)";
  }
  speaker_.reset();
  applied_.reset();
  Publish();
  auto created = bgp::Speaker::Create(ToSpeakerConfig(plan));
  if (!created) {
    return Error{created.error().code, "bgp speaker on " + plan.local_address.ToString() + ":" +
                                           std::to_string(settings_.port) + ": " +
                                           created.error().message};
  }
  speaker_ = std::move(*created);
  applied_ = plan;
  applied_cluster_id_ = ClusterId(plan);
  ++speakers_created_;
  Publish();
  return Status::Ok();
}

void SpeakerBgpControl::Publish() {
  std::lock_guard lock(current_mu_);
  current_.speaker = speaker_;
  current_.local_as = applied_ ? applied_->local_asn : 0;
}

SpeakerBgpControl::Running SpeakerBgpControl::Current() const {
  std::lock_guard lock(current_mu_);
  return current_;
}

Status SpeakerBgpControl::UpdatePeers(const BgpPlan& plan) {
  std::map<bgp::IpAddress, BgpPeerSpec> running;
  for (const BgpPeerSpec& p : applied_->peers) running[p.address] = p;
  std::map<bgp::IpAddress, const BgpPeerSpec*> wanted;
  for (const BgpPeerSpec& p : plan.peers) wanted[p.address] = &p;

  Status result = Status::Ok();
  for (auto it = running.begin(); it != running.end();) {
    auto w = wanted.find(it->first);
    if (w != wanted.end() && *w->second == it->second) {
      ++it;
      continue;
    }
    if (Status s = speaker_->RemovePeer(it->first); !s) {
      KR_LOG(WARNING) << "bgp: remove peer " << it->first.ToString() << ": " << s.error().message;
    } else {
      KR_LOG(INFO) << "bgp: peer " << it->first.ToString() << " removed";
    }
    it = running.erase(it);
  }
  for (const auto& [address, spec] : wanted) {
    if (running.count(address)) continue;
    if (Status s = speaker_->AddPeer(ToPeerConfig(*spec, plan)); !s) {
      if (result)
        result =
            Error{s.error().code, "bgp: add peer " + address.ToString() + ": " + s.error().message};
      continue;
    }
    KR_LOG(INFO) << "bgp: peer " << address.ToString() << " AS " << spec->asn << " added ("
                 << spec->origin << ")";
    running[address] = *spec;
  }
  // What the speaker runs now; a failed add is retried by the next Configure.
  applied_->peers.clear();
  for (const auto& [address, spec] : running) applied_->peers.push_back(spec);
  return result;
}

void SpeakerBgpControl::Stop() {
  speaker_.reset();
  applied_.reset();
  Publish();
}

size_t SpeakerBgpControl::SetOriginated(const std::set<bgp::IpPrefix>& prefixes) {
  size_t changes = 0;
  for (const bgp::IpPrefix& prefix : originated_) {
    if (prefixes.count(prefix)) continue;
    if (speaker_) speaker_->Withdraw(prefix);
    ++changes;
  }
  for (const bgp::IpPrefix& prefix : prefixes) {
    if (originated_.count(prefix)) continue;
    if (speaker_) speaker_->Originate(prefix);
    ++changes;
  }
  originated_ = prefixes;
  return speaker_ ? changes : 0;
}

std::vector<bgp::NeighborStatus> SpeakerBgpControl::Neighbors() {
  return speaker_ ? speaker_->Neighbors() : std::vector<bgp::NeighborStatus>{};
}

std::vector<bgp::RibRoute> SpeakerBgpControl::LocRib() {
  return speaker_ ? speaker_->LocRib() : std::vector<bgp::RibRoute>{};
}

uint64_t SpeakerBgpControl::LocRibGeneration() const {
  // A new speaker starts its count again: mix in how many there were.
  return speaker_ ? (speakers_created_ << 40) + speaker_->LocRibGeneration() : 0;
}

std::optional<bgp::LocRibChanges> SpeakerBgpControl::TakeLocRibChanges() {
  if (!speaker_) return std::nullopt;
  bgp::LocRibChanges changes = speaker_->TakeLocRibChanges();
  // A new speaker's journal starts empty: the old one's routes that it lacks are not in it.
  if (changes_taken_from_ != speakers_created_) {
    changes_taken_from_ = speakers_created_;
    return std::nullopt;
  }
  return changes;
}

}  // namespace kr::routed
