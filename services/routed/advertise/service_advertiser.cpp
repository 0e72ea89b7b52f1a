#include "services/routed/advertise/service_advertiser.h"

#include <algorithm>
#include <iterator>

namespace kr::routed::advertise {

PrefixDelta ServiceAdvertiser::UpsertService(const model::Service& service) {
  const std::string key = service.Key();
  Entry& entry = entries_[key];
  entry.has_service = true;
  entry.vips = ComputeServiceVips(service, options_);
  return Update(key, entry);
}

PrefixDelta ServiceAdvertiser::DeleteService(const std::string& key) {
  const auto it = entries_.find(key);
  if (it == entries_.end() || !it->second.has_service) return {};
  it->second.has_service = false;
  it->second.vips = {};
  return Update(key, it->second);
}

PrefixDelta ServiceAdvertiser::UpsertEndpoints(const model::Endpoints& endpoints) {
  const std::string key = endpoints.Key();
  Entry& entry = entries_[key];
  entry.has_endpoints = true;
  entry.local_endpoint = HasReadyLocalEndpoint(endpoints, options_);
  return Update(key, entry);
}

PrefixDelta ServiceAdvertiser::DeleteEndpoints(const std::string& key) {
  const auto it = entries_.find(key);
  if (it == entries_.end() || !it->second.has_endpoints) return {};
  it->second.has_endpoints = false;
  it->second.local_endpoint = false;
  return Update(key, it->second);
}

PrefixDelta ServiceAdvertiser::Update(const std::string& key, Entry& entry) {
  std::vector<route::IpPrefix> active;
  if (entry.has_service) active = entry.vips.Active(entry.local_endpoint);

  PrefixDelta delta;
  std::vector<route::IpPrefix> gone;
  std::vector<route::IpPrefix> fresh;
  std::set_difference(entry.active.begin(), entry.active.end(), active.begin(), active.end(),
                      std::back_inserter(gone));
  std::set_difference(active.begin(), active.end(), entry.active.begin(), entry.active.end(),
                      std::back_inserter(fresh));
  for (const route::IpPrefix& prefix : gone) {
    const auto it = refcount_.find(prefix);
    if (--it->second == 0) {
      refcount_.erase(it);
      NotePending(prefix, true);
      delta.removed.push_back(prefix);
    }
  }
  for (const route::IpPrefix& prefix : fresh) {
    if (++refcount_[prefix] == 1) {
      NotePending(prefix, false);
      delta.added.push_back(prefix);
    }
  }
  entry.active = std::move(active);
  if (!entry.has_service && !entry.has_endpoints) entries_.erase(key);
  return delta;
}

void ServiceAdvertiser::NotePending(const route::IpPrefix& prefix, bool was_advertised) {
  pending_.try_emplace(prefix, was_advertised);  // keeps the state of the last take
}

PrefixDelta ServiceAdvertiser::TakePendingDelta() {
  PrefixDelta delta;
  for (const auto& [prefix, was_advertised] : pending_) {
    const bool advertised = refcount_.contains(prefix);
    if (advertised && !was_advertised) delta.added.push_back(prefix);
    if (!advertised && was_advertised) delta.removed.push_back(prefix);
  }
  pending_.clear();
  return delta;
}

std::vector<route::IpPrefix> ServiceAdvertiser::Advertised() const {
  std::vector<route::IpPrefix> prefixes;
  prefixes.reserve(refcount_.size());
  for (const auto& [prefix, count] : refcount_) prefixes.push_back(prefix);
  return prefixes;
}

}  // namespace kr::routed::advertise
