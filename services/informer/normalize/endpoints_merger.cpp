#include "services/informer/normalize/endpoints_merger.h"

#include <algorithm>
#include <tuple>

namespace kr::informer {

namespace {

// Higher is better when the same endpoint appears twice.
int Rank(const model::Endpoint& e) {
  return (e.ready ? 4 : 0) + (e.serving ? 2 : 0) + (e.terminating ? 0 : 1);
}

const std::vector<model::EndpointPort>& PortsOf(const model::Endpoint& e,
                                                const EndpointSliceShare& share) {
  return e.ports.empty() ? share.ports : e.ports;
}

// Identity of an endpoint across slices: its addresses and ports.
std::string Identity(const model::Endpoint& e, const std::vector<model::EndpointPort>& ports) {
  std::string id;
  for (const std::string& address : e.addresses) id += address + ",";
  for (const model::EndpointPort& port : ports) {
    id += "|" + port.name + "/" + port.protocol + "/" + std::to_string(port.port);
  }
  return id;
}

}  // namespace

std::vector<EndpointsMerger::Change> EndpointsMerger::Upsert(const std::string& slice_key,
                                                             EndpointSliceShare share) {
  std::vector<Change> changes;
  auto existing = slices_.find(slice_key);
  if (existing != slices_.end() && existing->second.service_key != share.service_key) {
    changes = Delete(slice_key);  // the slice now belongs to another service (or to none)
  }
  if (share.service_key.empty()) return changes;
  const std::string service_key = share.service_key;
  slices_[slice_key] = std::move(share);
  slices_by_service_[service_key].insert(slice_key);
  changes.push_back(Merge(service_key));
  return changes;
}

std::vector<EndpointsMerger::Change> EndpointsMerger::Delete(const std::string& slice_key) {
  auto it = slices_.find(slice_key);
  if (it == slices_.end()) return {};
  const std::string service_key = it->second.service_key;
  slices_.erase(it);
  auto owner = slices_by_service_.find(service_key);
  if (owner != slices_by_service_.end()) {
    owner->second.erase(slice_key);
    if (owner->second.empty()) slices_by_service_.erase(owner);
  }
  return {Merge(service_key)};
}

EndpointsMerger::Change EndpointsMerger::Merge(const std::string& service_key) const {
  auto owner = slices_by_service_.find(service_key);
  if (owner == slices_by_service_.end()) return {service_key, std::nullopt};

  model::Endpoints merged;
  const size_t slash = service_key.find('/');
  merged.ns = service_key.substr(0, slash);
  merged.name = service_key.substr(slash + 1);
  struct Copy {
    const model::Endpoint* endpoint;
    const std::vector<model::EndpointPort>* ports;
  };
  std::map<std::string, Copy> best;  // identity -> most ready copy
  for (const std::string& slice_key : owner->second) {
    const EndpointSliceShare& share = slices_.at(slice_key);
    for (const model::Endpoint& endpoint : share.endpoints) {
      const auto& ports = PortsOf(endpoint, share);
      auto [it, inserted] = best.try_emplace(Identity(endpoint, ports), Copy{&endpoint, &ports});
      if (!inserted && Rank(endpoint) > Rank(*it->second.endpoint)) {
        it->second = Copy{&endpoint, &ports};
      }
    }
  }
  merged.endpoints.reserve(best.size());
  for (const auto& [identity, copy] : best) {
    merged.endpoints.push_back(*copy.endpoint);
    merged.endpoints.back().ports = *copy.ports;
  }
  std::sort(merged.endpoints.begin(), merged.endpoints.end(),
            [](const model::Endpoint& a, const model::Endpoint& b) {
              return std::tie(a.addresses, a.node_name) < std::tie(b.addresses, b.node_name);
            });
  return {service_key, std::move(merged)};
}

}  // namespace kr::informer
