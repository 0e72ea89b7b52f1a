#include "services/proxyd/core/proxy_core.h"

#include <algorithm>

namespace kr::proxyd {
namespace {

bool InAny(const std::vector<Cidr>& cidrs, const ipvs::IpAddress& address) {
  return std::any_of(cidrs.begin(), cidrs.end(),
                     [&](const Cidr& cidr) { return cidr.Contains(address); });
}

}  // namespace

ProxyCore::ProxyCore(ProxyOptions options) : options_(std::move(options)) {
  RecomputeNodePortIps();
}

void ProxyCore::UpsertService(model::Service service) {
  std::string key = service.Key();
  services_[key] = std::move(service);
}

void ProxyCore::RemoveService(const std::string& key) {
  services_.erase(key);
}

void ProxyCore::UpsertEndpoints(model::Endpoints endpoints) {
  std::string key = endpoints.Key();
  endpoints_[key] = std::move(endpoints);
}

void ProxyCore::RemoveEndpoints(const std::string& key) {
  endpoints_.erase(key);
}

void ProxyCore::SetNode(model::Node node) {
  node_ = std::move(node);
  RecomputeNodePortIps();
}

void ProxyCore::SetLocalIps(std::vector<ipvs::IpAddress> local_ips) {
  local_ips_ = std::move(local_ips);
  RecomputeNodePortIps();
}

void ProxyCore::ClaimVips(const std::vector<ipvs::IpAddress>& vips) {
  managed_vips_.insert(vips.begin(), vips.end());
}

void ProxyCore::RecomputeNodePortIps() {
  nodeport_ips_ = NodePortAddresses(options_, node_ ? &*node_ : nullptr, local_ips_);
}

GracefulPolicy ProxyCore::graceful_policy() const {
  return {options_.graceful_termination, options_.graceful_period};
}

bool ProxyCore::IsOwned(const ipvs::ServiceKey& key) const {
  if (owner_.contains(key)) return true;
  if (key.is_fwmark()) return IsDsrFwmark(key.fwmark);
  if (InAny(options_.excluded_cidrs, key.address)) return false;
  if (programmed_.contains(key) || managed_vips_.contains(key.address)) return true;
  if (InAny(options_.service_cluster_ip_ranges, key.address)) return true;
  bool nodeport_address =
      std::binary_search(nodeport_ips_.begin(), nodeport_ips_.end(), key.address);
  return nodeport_address && key.port >= options_.node_port_range_first &&
         key.port <= options_.node_port_range_last;
}

size_t ProxyCore::DestinationCount() const {
  size_t count = 0;
  for (const auto& [key, service] : desired_) {
    for (const auto& [vs_key, vs] : service.virtual_services) count += vs.destinations.size();
  }
  return count;
}

std::set<ipvs::IpAddress> ProxyCore::DummyVips() const {
  std::set<ipvs::IpAddress> vips;
  for (const auto& [key, service] : desired_) {
    vips.insert(service.dummy_vips.begin(), service.dummy_vips.end());
  }
  return vips;
}

void ProxyCore::ReleaseNewMarks(const std::string& key, const ServiceDesired& computed,
                                const OwnerIndex& owners) {
  auto old = desired_.find(key);
  for (const auto& target : computed.dsr_targets) {
    auto owner = owners.find(ipvs::ServiceKey::ForFwmark(target.vip.family(), target.fwmark));
    if (owner != owners.end() && owner->second != key) continue;  // another Service's mark
    bool held_before = old != desired_.end() &&
                       std::find(old->second.dsr_targets.begin(), old->second.dsr_targets.end(),
                                 target) != old->second.dsr_targets.end();
    if (!held_before) fwmarks_.Release({target.vip, target.protocol, target.port});
  }
}

Expected<ServiceDesired> ProxyCore::Compute(const std::string& key, const OwnerIndex& owners) {
  auto service = services_.find(key);
  if (service == services_.end()) return ServiceDesired{};
  auto endpoints = endpoints_.find(key);
  auto computed = ComputeServiceDesired(
      service->second, endpoints == endpoints_.end() ? nullptr : &endpoints->second, options_,
      nodeport_ips_, fwmarks_);
  if (!computed) return computed;
  for (const auto& [vs_key, vs] : computed->virtual_services) {
    auto owner = owners.find(vs_key);
    if (owner != owners.end() && owner->second != key) {
      ReleaseNewMarks(key, *computed, owners);
      return Error{EEXIST,
                   "virtual service " + vs_key.ToString() + " already belongs to " + owner->second};
    }
  }
  return computed;
}

void ProxyCore::Install(const std::string& key, ServiceDesired next, bool release_marks) {
  std::set<DsrFwmarkAllocator::Tuple> keep;
  for (const auto& target : next.dsr_targets)
    keep.insert({target.vip, target.protocol, target.port});
  auto old = desired_.find(key);
  if (old != desired_.end()) {
    for (const auto& [vs_key, vs] : old->second.virtual_services) {
      // In a full sync another Service may already have taken this key over.
      if (auto owner = owner_.find(vs_key); owner != owner_.end() && owner->second == key) {
        owner_.erase(owner);
      }
    }
    for (const auto& target : old->second.dsr_targets) {
      DsrFwmarkAllocator::Tuple tuple{target.vip, target.protocol, target.port};
      if (release_marks && !keep.contains(tuple)) fwmarks_.Release(tuple);
    }
    desired_.erase(old);
  }
  if (next.virtual_services.empty()) return;
  for (const auto& [vs_key, vs] : next.virtual_services) owner_[vs_key] = key;
  managed_vips_.insert(next.dummy_vips.begin(), next.dummy_vips.end());
  for (const auto& target : next.dsr_targets) managed_vips_.insert(target.vip);
  desired_[key] = std::move(next);
}

void ProxyCore::ApplyAndRecord(SyncReport& report, ipvs::IpvsKernel& kernel) {
  ApplyReport applied = ApplyIpvsOps(report.ops, kernel);
  size_t next_failure = 0;
  for (size_t i = 0; i < report.ops.size(); ++i) {
    const IpvsOp& op = report.ops[i];
    if (next_failure < applied.failures.size() && applied.failures[next_failure].index == i) {
      observed_.MarkStale(op.service.key);
      ++next_failure;
      continue;
    }
    observed_.Record(op);
    if (op.kind == IpvsOp::Kind::kAddService) programmed_.insert(op.service.key);
    if (op.kind == IpvsOp::Kind::kDeleteService) programmed_.erase(op.service.key);
  }
  report.failures = std::move(applied.failures);
}

SyncReport ProxyCore::SyncService(const std::string& key, ipvs::IpvsKernel& kernel, TimePoint now) {
  SyncReport report;
  ServiceDesired next;
  if (auto computed = Compute(key, owner_); computed) {
    errors_.erase(key);
    next = std::move(*computed);
  } else {
    errors_[key] = computed.error();
    report.service_errors.push_back({key, computed.error()});
  }

  std::set<ipvs::ServiceKey> keys;
  if (auto old = desired_.find(key); old != desired_.end()) {
    for (const auto& [vs_key, vs] : old->second.virtual_services) keys.insert(vs_key);
  }
  for (const auto& [vs_key, vs] : next.virtual_services) keys.insert(vs_key);
  for (const auto& vs_key : keys) {
    if (!observed_.IsStale(vs_key)) continue;
    if (Status refreshed = observed_.Refresh(vs_key, kernel); !refreshed) {
      report.read_status = refreshed;  // diff against the mirror anyway; FullSync repairs
    }
  }
  for (const auto& vs_key : keys) {
    auto wanted = next.virtual_services.find(vs_key);
    DiffVirtualService(vs_key, wanted == next.virtual_services.end() ? nullptr : &wanted->second,
                       observed_.Find(vs_key), graceful_policy(), tracker_, now, report.ops);
  }
  if (vips_wanted_ && !next.dummy_vips.empty()) {
    auto old = desired_.find(key);
    if (old == desired_.end() || old->second.dummy_vips != next.dummy_vips) {
      vips_wanted_(next.dummy_vips);
    }
  }
  Install(key, std::move(next), /*release_marks=*/true);
  ApplyAndRecord(report, kernel);
  return report;
}

SyncReport ProxyCore::FullSync(ipvs::IpvsKernel& kernel, TimePoint now) {
  SyncReport report;
  // Key order, so that of two Services claiming one virtual service the same one wins in
  // every full sync.
  std::vector<std::string> keys;
  keys.reserve(services_.size());
  for (const auto& [key, service] : services_) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  OwnerIndex owners;
  std::unordered_map<std::string, ServiceDesired> computed_all;
  errors_.clear();
  for (const auto& key : keys) {
    auto computed = Compute(key, owners);
    if (!computed) {
      errors_[key] = computed.error();
      report.service_errors.push_back({key, computed.error()});
      continue;
    }
    for (const auto& [vs_key, vs] : computed->virtual_services) owners[vs_key] = key;
    computed_all[key] = std::move(*computed);
  }
  std::vector<std::string> gone;
  for (const auto& [key, service] : desired_) {
    if (!computed_all.contains(key)) gone.push_back(key);
  }
  for (const auto& key : gone) Install(key, {}, /*release_marks=*/false);
  for (auto& [key, service] : computed_all) Install(key, std::move(service), false);
  std::set<DsrFwmarkAllocator::Tuple> marks_in_use;
  for (const auto& [key, service] : desired_) {
    for (const auto& target : service.dsr_targets) {
      marks_in_use.insert({target.vip, target.protocol, target.port});
    }
  }
  fwmarks_.Retain(marks_in_use);

  auto dump = DumpIpvs(kernel, [this](const ipvs::ServiceKey& key) { return IsOwned(key); });
  if (!dump) {
    report.read_status = dump.error();
    return report;
  }
  observed_.Replace(std::move(*dump));
  DesiredTable table;
  for (const auto& [key, service] : desired_) {
    for (const auto& [vs_key, vs] : service.virtual_services) table[vs_key] = &vs;
  }
  report.ops = DiffIpvs(
      table, observed_.table(), [this](const ipvs::ServiceKey& key) { return IsOwned(key); },
      graceful_policy(), tracker_, now);
  if (vips_wanted_) {
    if (std::set<ipvs::IpAddress> vips = DummyVips(); !vips.empty()) vips_wanted_(vips);
  }
  ApplyAndRecord(report, kernel);
  return report;
}

SyncReport ProxyCore::GracefulTick(ipvs::IpvsKernel& kernel, TimePoint now) {
  SyncReport report;
  for (const auto& vs_key : tracker_.ServicesWithDraining()) {
    if (Status refreshed = observed_.Refresh(vs_key, kernel); !refreshed) {
      report.read_status = refreshed;
      continue;
    }
    const DesiredVirtualService* wanted = nullptr;
    if (auto owner = owner_.find(vs_key); owner != owner_.end()) {
      wanted = &desired_.at(owner->second).virtual_services.at(vs_key);
    }
    const ObservedVirtualService* observed = observed_.Find(vs_key);
    if (wanted == nullptr && observed == nullptr) {
      tracker_.StopService(vs_key);
      continue;
    }
    DiffVirtualService(vs_key, wanted, observed, graceful_policy(), tracker_, now, report.ops);
  }
  ApplyAndRecord(report, kernel);
  return report;
}

}  // namespace kr::proxyd
