#include "services/routed/routed_controller.h"

#include <sys/socket.h>

#include "common/cni/node_mtu.h"
#include "common/log/log.h"
#include "common/route/route_sync.h"

namespace kr::routed {
namespace {

double Seconds(Clock::Duration d) {
  return std::chrono::duration<double>(d).count();
}

std::optional<bgp::IpAddress> FromKernel(const route::IpAddress& address) {
  if (address.is_unspecified()) return std::nullopt;
  return bgp::IpAddress::FromBytes(address.bytes());
}

// What turns `before` into `after`: the new or changed next hops, and nullopt for each prefix
// that is gone.
LearnedChanges ChangesBetween(const LearnedRoutes& before, const LearnedRoutes& after) {
  LearnedChanges changed;
  for (const auto& [prefix, next_hop] : after) {
    auto old = before.find(prefix);
    if (old == before.end() || old->second != next_hop) changed[prefix] = next_hop;
  }
  for (const auto& [prefix, next_hop] : before) {
    if (!after.count(prefix)) changed[prefix] = std::nullopt;
  }
  return changed;
}

}  // namespace

CniSeam RoutedController::DefaultCniSeam() {
  CniSeam seam;
  seam.auto_mtu = cni::AutoMtu;
  return seam;
}

RoutedController::RoutedController(RoutedOptions options, BgpControl& bgp,
                                   route::RouteKernel& kernel, RoutedMetrics* metrics, CniSeam cni,
                                   Clock& clock)
    : options_(std::move(options)),
      bgp_(bgp),
      kernel_(kernel),
      metrics_(metrics),
      cni_(std::move(cni)),
      clock_(clock),
      installer_(kernel) {}

void RoutedController::UpsertNode(const model::Node& node) {
  std::lock_guard lock(mu_);
  inbox_[node.name] = node;
}

void RoutedController::RemoveNode(const std::string& name) {
  std::lock_guard lock(mu_);
  inbox_[name] = std::nullopt;
}

void RoutedController::MarkInSync() {
  std::lock_guard lock(mu_);
  in_sync_ = true;
}

void RoutedController::SetExtraPrefixes(std::set<bgp::IpPrefix> prefixes) {
  std::lock_guard lock(mu_);
  extra_inbox_ = std::move(prefixes);
}

void RoutedController::ApplyInbox() {
  std::map<std::string, std::optional<model::Node>> inbox;
  std::optional<std::set<bgp::IpPrefix>> extra;
  {
    std::lock_guard lock(mu_);
    inbox.swap(inbox_);
    extra.swap(extra_inbox_);
  }
  if (extra) {
    extra_prefixes_ = std::move(*extra);
    nodes_changed_ = true;
  }
  if (!inbox.empty()) nodes_changed_ = hooks_due_ = true;
  for (auto& [name, node] : inbox) {
    if (!node) {
      bus_nodes_.erase(name);
      if (nodes_.erase(name)) KR_LOG(INFO) << "node " << name << " deleted";
      continue;
    }
    bus_nodes_[name] = *node;
    NodeView view = ParseNode(*node, options_.peer_multihop_ttl);
    auto old = nodes_.find(name);
    const bool problems_changed = old == nodes_.end() || old->second.problems != view.problems;
    if (problems_changed) {
      for (const std::string& problem : view.problems) {
        KR_LOG(WARNING) << "node " << name << ": " << problem;
        if (metrics_) metrics_->bad_input->Inc();
      }
    }
    nodes_[name] = std::move(view);
  }
  if (!inbox.empty()) UpdateNodeProblemsMetric();
}

void RoutedController::TakeAdvertisedServices(const NodeView& self) {
  if (!services_) return;
  std::vector<route::IpAddress> node_ips;
  if (auto bus_node = bus_nodes_.find(self.name); bus_node != bus_nodes_.end()) {
    for (const model::NodeAddress& a : bus_node->second.addresses) {
      if (a.type != "InternalIP" && a.type != "ExternalIP") continue;
      if (auto ip = route::IpAddress::Parse(a.address)) node_ips.push_back(*ip);
    }
  }
  const advertise::PrefixDelta delta = services_->Take(node_ips);
  if (delta.empty()) return;
  KR_LOG(INFO) << "service IPs: " << delta.ToString();
  for (const route::IpPrefix& p : delta.removed) {
    if (auto prefix = bgp::IpPrefix::Parse(p.ToString())) service_prefixes_.erase(*prefix);
  }
  for (const route::IpPrefix& p : delta.added) {
    if (auto prefix = bgp::IpPrefix::Parse(p.ToString())) service_prefixes_.insert(*prefix);
  }
  nodes_changed_ = true;  // re-originates (SyncSpeaker) and re-reads the Loc-RIB
}

Status RoutedController::RunNodeHooks(bool full) {
  if (hooks_.empty() || (!full && !hooks_due_)) return Status::Ok();
  const NodesSnapshot snapshot{bus_nodes_, options_.node_name, full};
  std::string errors;
  for (const auto& [name, hook] : hooks_) {
    Expected<bool> changed = hook(snapshot);
    if (!changed) {
      errors += (errors.empty() ? "" : "; ") + name + ": " + changed.error().message;
      continue;
    }
    if (*changed) routes_dirty_ = true;  // routes through a recreated tunnel need rewriting
  }
  hooks_due_ = !errors.empty();
  if (!errors.empty()) return Error{EIO, errors};
  return Status::Ok();
}

void RoutedController::UpdateNodeProblemsMetric() {
  if (!metrics_) return;
  size_t problems = 0;
  for (const auto& [name, view] : nodes_) problems += view.problems.size();
  metrics_->node_problems->Set(static_cast<double>(problems));
}

Status RoutedController::Sync(SyncKind kind, const StopToken&) {
  ApplyInbox();
  {
    std::lock_guard lock(mu_);
    if (!in_sync_) return Status::Ok();  // a partial view must not change anything
  }
  auto self = nodes_.find(options_.node_name);
  if (self == nodes_.end()) {
    WithdrawWhileAbsent();
    return Status::Ok();
  }
  const bool full = kind == SyncKind::kFull;
  TakeAdvertisedServices(self->second);
  std::vector<std::string> errors;
  // The plan depends on the nodes only; an unchanged view needs no new plan (cheap polls).
  if (full || nodes_changed_ || !plan_) {
    if (Status s = SyncSpeaker(self->second); !s) errors.push_back(s.error().message);
  }
  if (Status s = SyncCni(self->second, full); !s) errors.push_back(s.error().message);
  if (Status s = RunNodeHooks(full); !s) errors.push_back(s.error().message);
  if (Status s = SyncRoutes(self->second, full); !s) errors.push_back(s.error().message);
  nodes_changed_ = !errors.empty();  // retry everything after a failure
  ExportPeerMetrics(full);
  if (errors.empty()) return Status::Ok();
  std::string message;
  for (const std::string& e : errors) message += (message.empty() ? "" : "; ") + e;
  return Error{EIO, message};
}

void RoutedController::WithdrawWhileAbsent() {
  const std::string problem = "node " + options_.node_name + " is not on the bus";
  if (problem != last_self_problem_) {
    KR_LOG(WARNING) << problem << ": nothing originated; BGP sessions and kernel routes "
                    << "left as they are until it is back";
  }
  last_self_problem_ = problem;
  if (originated_.empty()) return;
  // The cluster may give our pod CIDR to another node: announcing it (or service IPs for
  // endpoints it no longer counts as ours) would draw that traffic here.
  const size_t changes = bgp_.SetOriginated({});
  if (metrics_ && changes > 0) metrics_->advertisements_sent->Inc(static_cast<double>(changes));
  KR_LOG(WARNING) << "node " << options_.node_name << " deleted from the bus: withdrew "
                  << originated_.size() << " originated prefixes";
  originated_.clear();
}

Status RoutedController::SyncSpeaker(const NodeView& self) {
  std::optional<bgp::IpAddress> other_family;  // dual-stack: next hop of the other family
  if (auto node = bus_nodes_.find(self.name); node != bus_nodes_.end() && self.ip) {
    other_family = OtherFamilyAddress(node->second, *self.ip);
  }
  auto plan = PlanBgp(options_, self, nodes_, other_family);
  if (!plan) {
    if (plan.error().message != last_self_problem_) {
      KR_LOG(ERROR) << plan.error().message << ": BGP not (re)configured";
    }
    last_self_problem_ = plan.error().message;
    if (metrics_ && !plan_) metrics_->peers->Set(0);
    return Status::Ok();  // logged once; retrying cannot help until the node changes
  }
  last_self_problem_.clear();
  if (!plan_ || plan_->problems != plan->problems) {
    for (const std::string& problem : plan->problems) KR_LOG(WARNING) << problem;
  }
  if (!plan_ || plan_->peers != plan->peers) {
    KR_LOG(INFO) << "bgp: AS " << plan->local_asn << ", " << plan->peers.size() << " peers"
                 << (plan->route_reflector_server
                         ? " (route-reflector server, cluster id " + plan->cluster_id + ")"
                         : "")
                 << (plan->route_reflector_client ? " (route-reflector client)" : "");
  }
  const Clock::TimePoint start = clock_.Now();
  Status configured = bgp_.Configure(*plan);
  if (metrics_) metrics_->peers_sync_time->Observe(Seconds(clock_.Now() - start));
  if (!configured) return configured;
  plan_ = std::move(*plan);

  std::set<bgp::IpPrefix> originate = extra_prefixes_;
  originate.insert(service_prefixes_.begin(), service_prefixes_.end());
  if (options_.advertise_pod_cidr) originate.insert(self.pod_cidrs.begin(), self.pod_cidrs.end());
  const size_t changes = bgp_.SetOriginated(originate);
  originated_ = std::move(originate);
  if (metrics_ && changes > 0) metrics_->advertisements_sent->Inc(static_cast<double>(changes));
  return Status::Ok();
}

Status RoutedController::SyncCni(const NodeView& self, bool full) {
  if (!options_.enable_cni) return Status::Ok();
  std::vector<std::string> cidrs;
  for (const bgp::IpPrefix& p : self.pod_cidrs) cidrs.push_back(p.ToString());
  if (cidrs.empty()) {
    if (!cni_written_for_.empty() || full) {
      KR_LOG(WARNING) << "node " << self.name << " has no pod CIDR: CNI config not written";
    }
    cni_written_for_.clear();
    return Status::Ok();
  }
  if (!full && cidrs == cni_written_for_) return Status::Ok();
  cni::BridgeConfigSettings settings;
  settings.pod_cidrs = cidrs;
  if (options_.auto_mtu && cni_.auto_mtu && self.ip) {
    auto mtu = cni_.auto_mtu(self.ip->ToString(), options_.enable_overlay);
    if (mtu) {
      settings.mtu = *mtu;
    } else {
      KR_LOG(WARNING) << "--auto-mtu: " << mtu.error().message << ": MTU left as it is";
    }
  }
  auto written = cni_.write(options_.cni_conf_file, settings);
  if (!written) {
    cni_written_for_.clear();
    return Error{written.error().code, "cni config: " + written.error().message};
  }
  if (*written) KR_LOG(INFO) << "cni config " << options_.cni_conf_file << " written";
  cni_written_for_ = std::move(cidrs);
  return Status::Ok();
}

std::optional<bgp::IpAddress> RoutedController::UsableNextHop(const NodeView& self,
                                                              const std::set<bgp::IpPrefix>& local,
                                                              const bgp::IpPrefix& prefix,
                                                              bgp::PeerId from,
                                                              const bgp::IpAddress& next_hop) {
  if (from == bgp::kLocalPeer || local.count(prefix)) return std::nullopt;
  if (next_hop.is_unspecified() || (self.ip && next_hop == *self.ip)) return std::nullopt;
  return next_hop;
}

std::set<bgp::IpPrefix> RoutedController::LocalPrefixes(const NodeView& self) const {
  std::set<bgp::IpPrefix> local(self.pod_cidrs.begin(), self.pod_cidrs.end());
  local.insert(extra_prefixes_.begin(), extra_prefixes_.end());
  local.insert(service_prefixes_.begin(), service_prefixes_.end());
  return local;
}

LearnedRoutes RoutedController::LearnedFromRib(const NodeView& self) {
  const std::set<bgp::IpPrefix> local = LocalPrefixes(self);
  LearnedRoutes learned;
  for (const bgp::RibRoute& r : bgp_.LocRib()) {
    if (auto next_hop = UsableNextHop(self, local, r.prefix, r.from, r.next_hop)) {
      learned[r.prefix] = *next_hop;
    }
  }
  return learned;
}

LearnedChanges RoutedController::ReplaceLearned(LearnedRoutes learned) {
  LearnedChanges changed = ChangesBetween(learned_, learned);
  learned_ = std::move(learned);
  return changed;
}

LearnedChanges RoutedController::ApplyLocRibChanges(const NodeView& self,
                                                    const bgp::LocRibChanges& changes) {
  const std::set<bgp::IpPrefix> local = LocalPrefixes(self);
  LearnedChanges changed;
  // `changes` is sorted like learned_ and `changed`: one lookup per prefix, appends at the end
  // (thousands of prefixes per batch when a peer sends its table).
  for (const auto& [prefix, best] : changes) {
    std::optional<bgp::IpAddress> next_hop;
    if (best) next_hop = UsableNextHop(self, local, prefix, best->from, best->next_hop);
    auto old = learned_.lower_bound(prefix);
    if (old == learned_.end() || old->first != prefix) {
      if (!next_hop) continue;
      learned_.emplace_hint(old, prefix, *next_hop);
    } else if (!next_hop) {
      learned_.erase(old);
    } else if (old->second != *next_hop) {
      old->second = *next_hop;
    } else {
      continue;
    }
    changed.emplace_hint(changed.end(), prefix, next_hop);
  }
  return changed;
}

bool RoutedController::NodeOwns(const bgp::IpPrefix& prefix, const bgp::IpAddress& next_hop) const {
  for (const auto& [name, node] : nodes_) {
    if (name == options_.node_name || !node.ip) continue;
    if (*node.ip != next_hop) {  // a dual-stack node's routes of its other family
      auto bus_node = bus_nodes_.find(name);
      if (bus_node == bus_nodes_.end() ||
          OtherFamilyAddress(bus_node->second, *node.ip) != next_hop)
        continue;
    }
    for (const bgp::IpPrefix& p : node.pod_cidrs) {
      if (p == prefix) return true;
    }
  }
  return false;
}

Status RoutedController::AdoptKernelRoutes() {
  auto dumped = kernel_.DumpRoutes(route::RouteFilter{.table = RT_TABLE_MAIN});
  if (!dumped) return Error{dumped.error().code, "route dump: " + dumped.error().message};
  const Clock::TimePoint until = clock_.Now() + options_.stale_route_hold;
  for (const route::Route& r : *dumped) {
    if (r.next_hops.size() != 1) continue;
    auto gateway = FromKernel(r.next_hops[0].gateway);
    auto prefix = bgp::IpPrefix::Parse(r.destination.ToString());
    if (!gateway || !prefix || !NodeOwns(*prefix, *gateway)) continue;
    installed_[*prefix] = *gateway;
    held_until_[*prefix] = until;
  }
  if (!installed_.empty()) {
    KR_LOG(INFO) << "adopted " << installed_.size()
                 << " routes from the kernel until BGP converges";
  }
  return Status::Ok();
}

Status RoutedController::SyncRoutes(const NodeView& self, bool full) {
  if (!adopted_) {
    if (Status s = AdoptKernelRoutes(); !s) return s;
    adopted_ = true;
  }
  // Read before taking the changes: every change up to it is in what TakeLocRibChanges gives.
  const uint64_t generation = bgp_.LocRibGeneration();
  rib_changed_ = learned_generation_ != generation;
  // What is ours, and which nodes claim held routes, may have changed: look at everything.
  const bool reread = full || nodes_changed_ || !learned_generation_;
  LearnedChanges learned_changes;
  if (reread || rib_changed_) {
    // Taken (and dropped) before a full copy too, so the next changes start after it.
    std::optional<bgp::LocRibChanges> rib_changes = bgp_.TakeLocRibChanges();
    learned_changes = reread || !rib_changes ? ReplaceLearned(LearnedFromRib(self))
                                             : ApplyLocRibChanges(self, *rib_changes);
  }
  learned_generation_ = generation;
  if (metrics_) {
    size_t fresh = 0;
    for (const auto& [prefix, next_hop] : learned_changes) fresh += next_hop ? 1 : 0;
    if (fresh > 0) metrics_->advertisements_received->Inc(static_cast<double>(fresh));
  }
  for (const auto& [prefix, next_hop] : learned_changes) {
    if (next_hop && held_until_.count(prefix)) {
      KR_LOG(INFO) << "route " << prefix.ToString() << " via " << next_hop->ToString()
                   << " back in BGP: no longer held";
    }
  }

  LearnedChanges route_changes = reread ? WantAll() : WantChanged(learned_changes);
  for (auto& [prefix, next_hop] : ExpireHeld()) route_changes[prefix] = next_hop;
  if (metrics_) metrics_->held_routes->Set(static_cast<double>(held_until_.size()));

  const bool dump = full || routes_dirty_;
  if (!dump && route_changes.empty()) return Status::Ok();
  const Clock::TimePoint start = clock_.Now();
  route::SyncResult result =
      dump ? installer_.SyncAll(installed_, shaper_) : installer_.Update(route_changes, shaper_);
  if (metrics_) {
    metrics_->routes_sync_time->Observe(Seconds(clock_.Now() - start));
    metrics_->kernel_routes->Set(static_cast<double>(installed_.size()));
    if (!result.errors.empty())
      metrics_->route_errors->Inc(static_cast<double>(result.errors.size()));
  }
  if (result.added + result.replaced + result.deleted > 0) {
    KR_LOG(INFO) << "routes: " << result.ToString();
  }
  routes_dirty_ = !result.ok();
  if (!result.ok()) return Error{result.errors.front().code, "routes: " + result.ToString()};
  return Status::Ok();
}

LearnedChanges RoutedController::WantAll() {
  // Routes that left the Loc-RIB stay while their node still claims them, for a while.
  const Clock::TimePoint now = clock_.Now();
  LearnedRoutes wanted = learned_;
  std::map<bgp::IpPrefix, Clock::TimePoint> held;
  for (const auto& [prefix, next_hop] : installed_) {
    if (wanted.count(prefix) || !NodeOwns(prefix, next_hop)) continue;
    auto previous = held_until_.find(prefix);
    if (previous == held_until_.end()) {
      KR_LOG(INFO) << "route " << prefix.ToString() << " via " << next_hop.ToString()
                   << " left BGP while the node still claims it: held";
    }
    held[prefix] =
        previous != held_until_.end() ? previous->second : now + options_.stale_route_hold;
    wanted[prefix] = next_hop;  // ExpireHeld removes it when its time is over
  }
  held_until_ = std::move(held);
  LearnedChanges changed = ChangesBetween(installed_, wanted);
  installed_ = std::move(wanted);
  return changed;
}

LearnedChanges RoutedController::WantChanged(const LearnedChanges& learned_changes) {
  const Clock::TimePoint now = clock_.Now();
  LearnedChanges changed;
  // Sorted like installed_ and `changed`: one lookup per prefix, appends at the end.
  for (const auto& [prefix, next_hop] : learned_changes) {
    auto old = installed_.lower_bound(prefix);
    const bool had = old != installed_.end() && old->first == prefix;
    if (next_hop) {
      if (!held_until_.empty()) held_until_.erase(prefix);
      if (had && old->second == *next_hop) continue;
      if (had) {
        old->second = *next_hop;
      } else {
        installed_.emplace_hint(old, prefix, *next_hop);
      }
      changed.emplace_hint(changed.end(), prefix, next_hop);
      continue;
    }
    if (!had) continue;
    if (NodeOwns(prefix, old->second)) {
      if (held_until_.emplace(prefix, now + options_.stale_route_hold).second) {
        KR_LOG(INFO) << "route " << prefix.ToString() << " via " << old->second.ToString()
                     << " left BGP while the node still claims it: held";
      }
      continue;
    }
    installed_.erase(old);
    changed.emplace_hint(changed.end(), prefix, std::nullopt);
  }
  return changed;
}

LearnedChanges RoutedController::ExpireHeld() {
  const Clock::TimePoint now = clock_.Now();
  LearnedChanges changed;
  for (auto it = held_until_.begin(); it != held_until_.end();) {
    if (now < it->second) {
      ++it;
      continue;
    }
    auto route = installed_.find(it->first);
    if (route != installed_.end()) {
      KR_LOG(INFO) << "route " << it->first.ToString() << " via " << route->second.ToString()
                   << " held too long without BGP: removed";
      installed_.erase(route);
    }
    changed[it->first] = std::nullopt;
    it = held_until_.erase(it);
  }
  return changed;
}

void RoutedController::ExportPeerMetrics(bool full) {
  if (!metrics_) return;
  // Neighbors() waits for the speaker's thread: not on every poll.
  const Clock::TimePoint now = clock_.Now();
  if (!full && !rib_changed_ && now - peer_metrics_at_ < std::chrono::seconds(5)) return;
  peer_metrics_at_ = now;
  metrics_->peers->Set(plan_ ? static_cast<double>(plan_->peers.size()) : 0);
  metrics_->peer_info.Clear();
  for (const bgp::NeighborStatus& n : bgp_.Neighbors()) {
    metrics_->peer_info
        .WithLabels({n.address.ToString(), std::to_string(n.peer_as),
                     std::string(bgp::SessionStateName(n.state))})
        ->Set(1);
  }
}

Status RoutedController::Cleanup() {
  route::SyncResult result = route::SyncRoutes(kernel_, {}, route::RouteFilter{});
  if (result.deleted > 0) KR_LOG(INFO) << "cleanup: " << result.ToString();
  if (!result.ok()) return Error{result.errors.front().code, "cleanup: " + result.ToString()};
  return Status::Ok();
}

}  // namespace kr::routed
