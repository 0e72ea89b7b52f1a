#include "services/proxyd/service_glue.h"

#include "common/log/log.h"

namespace kr::proxyd {
namespace {

int AddressFamily(iptables::IpFamily family) {
  return family == iptables::IpFamily::kIPv4 ? AF_INET : AF_INET6;
}

const char* FamilyName(iptables::IpFamily family) {
  return family == iptables::IpFamily::kIPv4 ? "IPv4" : "IPv6";
}

}  // namespace

ServiceGlue::ServiceGlue(const ProxyOptions& options, ServiceGlueSeams seams)
    : options_(options), seams_(seams) {
  for (auto [runner, family] : {std::pair{seams.iptables_v4, iptables::IpFamily::kIPv4},
                                std::pair{seams.iptables_v6, iptables::IpFamily::kIPv6}}) {
    if (runner == nullptr) continue;
    families_.push_back(
        {family,
         std::make_unique<iptables::OwnedChainSyncer>(*runner, family, ProxydIptablesOwner()),
         std::nullopt});
  }
}

void ServiceGlue::Update(const std::string& key, const ProxyCore& core) {
  Contribution next;
  if (auto desired = core.desired().find(key); desired != core.desired().end()) {
    const ServiceDesired& service = desired->second;
    next.hairpins = service.hairpin_rules;
    next.dsr_targets = service.dsr_targets;
    next.dsr_pod_tunnels = service.dsr_pod_tunnels;
    if (service.health_check_node_port > 0) {
      next.health = {service.health_check_node_port, service.local_ready_endpoints};
    }
  }
  const bool empty = next == Contribution{};
  auto old = contributions_.find(key);
  const Contribution before = old == contributions_.end() ? Contribution{} : old->second;
  if (before.hairpins != next.hairpins || before.dsr_targets != next.dsr_targets) {
    rules_dirty_ = true;
  }
  if (before.health != next.health) health_dirty_ = true;
  if (before.dsr_targets != next.dsr_targets || before.dsr_pod_tunnels != next.dsr_pod_tunnels) {
    dsr_dirty_ = true;
  }
  if (empty) {
    if (old != contributions_.end()) contributions_.erase(old);
  } else {
    contributions_[key] = std::move(next);
  }
}

void ServiceGlue::UpdateAll(const ProxyCore& core) {
  std::vector<std::string> gone;
  for (const auto& [key, contribution] : contributions_) {
    if (!core.desired().contains(key)) gone.push_back(key);
  }
  for (const auto& key : gone) Update(key, core);
  for (const auto& [key, service] : core.desired()) Update(key, core);
}

GlueSettings ServiceGlue::SettingsFor(iptables::IpFamily family, const ProxyCore& core) const {
  const int address_family = AddressFamily(family);
  GlueSettings settings;
  settings.masquerade_all = options_.masquerade_all;
  for (const auto& ip : options_.node_ips) {
    if (ip.family() == address_family) {
      settings.node_ip = ip;
      break;
    }
  }
  const auto& node = core.node();
  if (!settings.node_ip && node) {
    // The node's primary address: its first InternalIP of the family, else ExternalIP.
    for (const char* type : {"InternalIP", "ExternalIP"}) {
      for (const auto& address : node->addresses) {
        if (address.type != type) continue;
        auto ip = ipvs::IpAddress::Parse(address.address);
        if (ip && ip->family() == address_family) {
          settings.node_ip = *ip;
          break;
        }
      }
      if (settings.node_ip) break;
    }
  }
  for (const auto& cidr : options_.cluster_cidrs) {
    if (cidr.family() == address_family) settings.cluster_cidrs.push_back(cidr);
  }
  if (node) {
    for (const auto& text : node->pod_cidrs) {
      auto cidr = Cidr::Parse(text);
      if (cidr && cidr->family() == address_family) settings.pod_cidrs.push_back(*cidr);
    }
  }
  return settings;
}

DsrWanted ServiceGlue::WantedDsr() const {
  DsrWanted wanted;
  for (const auto& [key, contribution] : contributions_) {
    for (const auto& target : contribution.dsr_targets) {
      wanted.marks.insert({target.vip.family(), target.fwmark});
    }
    for (const auto& tunnel : contribution.dsr_pod_tunnels) {
      wanted.pod_tunnels[tunnel.endpoint].insert(tunnel.vip);
    }
  }
  return wanted;
}

size_t ServiceGlue::hairpin_rules() const {
  size_t count = 0;
  for (const auto& [key, contribution] : contributions_) count += contribution.hairpins.size();
  return count;
}

Status ServiceGlue::ApplyFamily(Family& family, const ProxyCore& core, const GlueServices& services,
                                bool full) {
  GlueSettings settings = SettingsFor(family.family, core);
  if (!full && !rules_dirty_ && family.applied_settings == settings) return Status::Ok();
  if (settings.node_ip == std::nullopt &&
      (options_.masquerade_all || !settings.pod_cidrs.empty() || !settings.cluster_cidrs.empty())) {
    KR_VLOG(1) << FamilyName(family.family)
               << ": no node address known yet, SNAT rules left out until there is one";
  }
  iptables::DesiredRules rules = ProxydIptablesRules(family.family, settings, services);
  iptables::SyncOptions sync_options;
  sync_options.dry_run = seams_.dry_run;
  sync_options.trust_last_known = !full;
  auto plan = family.syncer->Sync(rules, sync_options);
  if (!plan) {
    family.syncer->Forget();  // what we last wrote is not what the kernel holds
    return Error{plan.error().code,
                 std::string(FamilyName(family.family)) + " iptables: " + plan.error().message};
  }
  if (!plan->empty()) {
    if (seams_.dry_run) {
      KR_LOG(INFO) << "dry-run: would restore (" << FamilyName(family.family) << "):\n"
                   << plan->payload;
    } else {
      KR_VLOG(1) << FamilyName(family.family) << " iptables: " << plan->rules_written
                 << " rules written, " << plan->rewritten_chains.size() << " chains rewritten, "
                 << plan->created_chains.size() << " created, " << plan->deleted_chains.size()
                 << " deleted";
    }
  }
  family.applied_settings = settings;
  return Status::Ok();
}

Status ServiceGlue::Apply(const ProxyCore& core, bool full, bool proxy_healthy) {
  Status first;
  auto keep = [&first](Status status) {
    if (status) return;
    KR_LOG(ERROR) << status.error().message;
    if (first) first = status;
  };
  GlueServices services;
  for (const auto& [key, contribution] : contributions_) {
    services.hairpins.insert(services.hairpins.end(), contribution.hairpins.begin(),
                             contribution.hairpins.end());
    services.dsr_targets.insert(services.dsr_targets.end(), contribution.dsr_targets.begin(),
                                contribution.dsr_targets.end());
  }
  bool all_ok = true;
  for (auto& family : families_) {
    Status status = ApplyFamily(family, core, services, full);
    all_ok = all_ok && status.ok();
    keep(status);
  }
  if (all_ok) rules_dirty_ = false;

  if (seams_.dsr && (full || dsr_dirty_)) {
    Status dsr = seams_.dsr->Sync(WantedDsr(), full);
    dsr_dirty_ = !dsr.ok();  // retried by the next sync
    keep(dsr);
  }

  if (seams_.health_checks && (full || health_dirty_ || proxy_healthy != last_healthy_)) {
    std::map<std::string, HealthCheckTarget> targets;
    for (const auto& [key, contribution] : contributions_) {
      if (contribution.health.port > 0) targets[key] = contribution.health;
    }
    HealthCheckSyncReport report = seams_.health_checks->Sync(targets, proxy_healthy);
    for (int port : report.started) KR_VLOG(1) << "health check port " << port << " serving";
    for (int port : report.stopped) KR_VLOG(1) << "health check port " << port << " stopped";
    for (const auto& error : report.failed) keep(error);
    health_dirty_ = !report.failed.empty();  // retried by the next sync
    last_healthy_ = proxy_healthy;
  }
  return first;
}

Status ServiceGlue::Cleanup() {
  Status first;
  for (auto& family : families_) {
    auto plan = family.syncer->Cleanup(seams_.dry_run);
    if (!plan) {
      KR_LOG(ERROR) << FamilyName(family.family) << " iptables cleanup: " << plan.error().message;
      if (first) first = plan.error();
      continue;
    }
    if (!plan->empty()) {
      KR_LOG(INFO) << "cleanup: " << FamilyName(family.family)
                   << " iptables chains removed: " << plan->deleted_chains.size();
    }
  }
  if (seams_.dsr) {
    Status dsr = seams_.dsr->Cleanup();
    if (!dsr) KR_LOG(ERROR) << "DSR cleanup: " << dsr.error().message;
    if (first) first = dsr;
  }
  if (seams_.health_checks) seams_.health_checks->Stop();
  return first;
}

}  // namespace kr::proxyd
