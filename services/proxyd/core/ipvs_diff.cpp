#include "services/proxyd/core/ipvs_diff.h"

#include <algorithm>

namespace kr::proxyd {

bool ServiceSettingsDiffer(const ipvs::Service& desired, const ipvs::Service& observed) {
  bool persistent = (desired.flags & ipvs::ServiceFlags::kPersistent) != 0;
  uint32_t ignored = ipvs::ServiceFlags::kHashed;
  return desired.scheduler != observed.scheduler ||
         (desired.flags & ~ignored) != (observed.flags & ~ignored) ||
         (persistent && desired.timeout != observed.timeout) ||
         desired.persistence_prefix != observed.persistence_prefix ||
         desired.persistence_engine != observed.persistence_engine;
}

void DiffVirtualService(const ipvs::ServiceKey& key, const DesiredVirtualService* desired,
                        const ObservedVirtualService* observed, const GracefulPolicy& policy,
                        GracefulTracker& tracker, TimePoint now, std::vector<IpvsOp>& ops) {
  if (desired == nullptr) {
    if (observed != nullptr) ops.push_back(IpvsOp::DeleteService(key));
    tracker.StopService(key);
    return;
  }
  if (observed == nullptr) {
    tracker.StopService(key);  // anything noted for an older incarnation is moot
    ops.push_back(IpvsOp::AddService(desired->service));
    for (const auto& [dest_key, destination] : desired->destinations) {
      ops.push_back(IpvsOp::AddDestination(key, destination));
    }
    return;
  }
  if (ServiceSettingsDiffer(desired->service, observed->service)) {
    ops.push_back(IpvsOp::UpdateService(desired->service));
  }
  std::vector<IpvsOp> updates;
  std::vector<IpvsOp> removals;
  for (const auto& [dest_key, destination] : desired->destinations) {
    auto it = observed->destinations.find(dest_key);
    if (it == observed->destinations.end()) {
      ops.push_back(IpvsOp::AddDestination(key, destination));
    } else if (it->second.destination != destination) {
      updates.push_back(IpvsOp::UpdateDestination(key, destination));
    }
    tracker.Stop(key, dest_key);
  }
  for (const auto& [dest_key, entry] : observed->destinations) {
    if (desired->destinations.contains(dest_key)) continue;
    if (!policy.enabled) {
      removals.push_back(IpvsOp::DeleteDestination(key, dest_key));
      tracker.Stop(key, dest_key);
      continue;
    }
    if (entry.destination.weight != 0) {
      ipvs::Destination drained = entry.destination;
      drained.weight = 0;
      removals.push_back(IpvsOp::UpdateDestination(key, drained));
      tracker.Start(key, dest_key, now);
      continue;
    }
    // Already at weight 0 (by us earlier, or before a restart: then the period starts now).
    tracker.Start(key, dest_key, now);
    uint64_t connections = uint64_t{entry.active_connections} + entry.inactive_connections;
    if (tracker.IsDue(key, dest_key, now, policy.period, connections)) {
      removals.push_back(IpvsOp::DeleteDestination(key, dest_key));
      tracker.Stop(key, dest_key);
    }
  }
  ops.insert(ops.end(), updates.begin(), updates.end());
  ops.insert(ops.end(), removals.begin(), removals.end());
}

std::vector<IpvsOp> DiffIpvs(const DesiredTable& desired, const ObservedIpvs::Table& observed,
                             const OwnedPredicate& owned, const GracefulPolicy& policy,
                             GracefulTracker& tracker, TimePoint now) {
  std::vector<IpvsOp> ops;
  std::vector<const ipvs::ServiceKey*> unwanted;  // sorted, for a stable op order
  for (const auto& [key, service] : observed) {
    if (!desired.contains(key) && owned(key)) unwanted.push_back(&key);
  }
  std::sort(unwanted.begin(), unwanted.end(), [](const auto* a, const auto* b) { return *a < *b; });
  for (const auto* key : unwanted) {
    DiffVirtualService(*key, nullptr, &observed.at(*key), policy, tracker, now, ops);
  }
  for (const auto& [key, service] : desired) {
    auto it = observed.find(key);
    DiffVirtualService(key, service, it == observed.end() ? nullptr : &it->second, policy, tracker,
                       now, ops);
  }
  return ops;
}

}  // namespace kr::proxyd
