#include "services/proxyd/core/observed_ipvs.h"

namespace kr::proxyd {

const ObservedVirtualService* ObservedIpvs::Find(const ipvs::ServiceKey& key) const {
  auto it = table_.find(key);
  return it == table_.end() ? nullptr : &it->second;
}

void ObservedIpvs::Replace(Table table) {
  table_ = std::move(table);
  stale_.clear();
}

Status ObservedIpvs::Refresh(const ipvs::ServiceKey& key, ipvs::IpvsKernel& kernel) {
  auto service = kernel.GetService(key);
  if (!service) {
    if (service.error().code != ESRCH) return service.error();
    table_.erase(key);
    stale_.erase(key);
    return Status::Ok();
  }
  auto destinations = kernel.ListDestinations(key);
  if (!destinations) return destinations.error();
  ObservedVirtualService observed;
  observed.service = service->service;
  for (const auto& destination : *destinations) {
    observed.destinations.emplace(destination.destination.key(), destination);
  }
  table_[key] = std::move(observed);
  stale_.erase(key);
  return Status::Ok();
}

void ObservedIpvs::Record(const IpvsOp& op) {
  const ipvs::ServiceKey& key = op.service.key;
  switch (op.kind) {
    case IpvsOp::Kind::kAddService:
      table_[key] = ObservedVirtualService{op.service, {}};
      return;
    case IpvsOp::Kind::kUpdateService:
      table_[key].service = op.service;
      return;
    case IpvsOp::Kind::kDeleteService:
      table_.erase(key);
      return;
    case IpvsOp::Kind::kAddDestination:
    case IpvsOp::Kind::kUpdateDestination: {
      ipvs::DestinationEntry& entry = table_[key].destinations[op.destination.key()];
      entry.destination = op.destination;
      return;
    }
    case IpvsOp::Kind::kDeleteDestination:
      if (auto it = table_.find(key); it != table_.end()) {
        it->second.destinations.erase(op.destination.key());
      }
      return;
  }
}

}  // namespace kr::proxyd
