// What the kernel holds for the virtual services proxyd cares about: filled from a dump
// (ListServices + ListDestinations) and kept current by applying each op that succeeded, so
// that a single service can be diffed without asking the kernel again. A failed op marks its
// service stale: the next diff of that service reads it back from the kernel first.
// Not thread-safe: owned by one ProxyCore.
#pragma once

#include <map>
#include <set>
#include <unordered_map>
#include <vector>

#include "common/base/expected.h"
#include "common/ipvs/ipvs_kernel.h"
#include "services/proxyd/core/ipvs_hash.h"
#include "services/proxyd/core/ipvs_op.h"

namespace kr::proxyd {

struct ObservedVirtualService {
  ipvs::Service service;
  std::map<ipvs::DestinationKey, ipvs::DestinationEntry> destinations;
};

class ObservedIpvs {
 public:
  using Table = std::unordered_map<ipvs::ServiceKey, ObservedVirtualService, ServiceKeyHash>;

  const Table& table() const { return table_; }
  const ObservedVirtualService* Find(const ipvs::ServiceKey& key) const;

  void Replace(Table table);
  // Re-reads one service (GetService + ListDestinations); absent when the kernel says ESRCH.
  Status Refresh(const ipvs::ServiceKey& key, ipvs::IpvsKernel& kernel);
  // Applies an op the kernel accepted.
  void Record(const IpvsOp& op);
  void MarkStale(const ipvs::ServiceKey& key) { stale_.insert(key); }
  bool IsStale(const ipvs::ServiceKey& key) const { return stale_.contains(key); }

 private:
  Table table_;
  std::set<ipvs::ServiceKey> stale_;
};

// Dumps the whole table: ListServices, then ListDestinations for each service `wanted`
// accepts (the others are kept without destinations: never ours, never touched).
template <typename Wanted>
Expected<ObservedIpvs::Table> DumpIpvs(ipvs::IpvsKernel& kernel, const Wanted& wanted) {
  auto services = kernel.ListServices();
  if (!services) return services.error();
  ObservedIpvs::Table table;
  for (const auto& entry : *services) {
    if (!wanted(entry.service.key)) continue;
    auto destinations = kernel.ListDestinations(entry.service.key);
    if (!destinations) return destinations.error();
    ObservedVirtualService& observed = table[entry.service.key];
    observed.service = entry.service;
    for (const auto& destination : *destinations) {
      observed.destinations.emplace(destination.destination.key(), destination);
    }
  }
  return table;
}

}  // namespace kr::proxyd
