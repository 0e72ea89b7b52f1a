#include "services/routed/advertised_services.h"

#include <algorithm>
#include <iterator>

namespace kr::routed {

AdvertisedServices::AdvertisedServices(advertise::AdvertiseOptions options)
    : options_(options), advertiser_(std::move(options)) {}

void AdvertisedServices::UpsertService(const model::Service& service) {
  std::lock_guard lock(mu_);
  service_inbox_[service.Key()] = service;
}

void AdvertisedServices::DeleteService(const std::string& key) {
  std::lock_guard lock(mu_);
  service_inbox_[key] = std::nullopt;
}

void AdvertisedServices::UpsertEndpoints(const model::Endpoints& endpoints) {
  std::lock_guard lock(mu_);
  endpoints_inbox_[endpoints.Key()] = endpoints;
}

void AdvertisedServices::DeleteEndpoints(const std::string& key) {
  std::lock_guard lock(mu_);
  endpoints_inbox_[key] = std::nullopt;
}

advertise::PrefixDelta AdvertisedServices::Take(const std::vector<route::IpAddress>& node_ips) {
  std::map<std::string, std::optional<model::Service>> services;
  std::map<std::string, std::optional<model::Endpoints>> endpoints;
  {
    std::lock_guard lock(mu_);
    services.swap(service_inbox_);
    endpoints.swap(endpoints_inbox_);
  }
  for (auto& [key, service] : services) {
    if (service) {
      advertiser_.UpsertService(*service);
      services_[key] = std::move(*service);
    } else {
      advertiser_.DeleteService(key);
      services_.erase(key);
    }
  }
  for (auto& [key, object] : endpoints) {
    if (object) {
      advertiser_.UpsertEndpoints(*object);
      endpoints_[key] = std::move(*object);
    } else {
      advertiser_.DeleteEndpoints(key);
      endpoints_.erase(key);
    }
  }
  if (node_ips == options_.node_ips) return advertiser_.TakePendingDelta();

  // Rare (our node's addresses changed): replay everything into a new advertiser.
  const std::vector<route::IpPrefix> before_take = advertiser_.Advertised();
  advertise::PrefixDelta pending = advertiser_.TakePendingDelta();
  // What the controller had before this call: the current set with the pending change undone.
  std::vector<route::IpPrefix> before;
  std::set_difference(before_take.begin(), before_take.end(), pending.added.begin(),
                      pending.added.end(), std::back_inserter(before));
  std::vector<route::IpPrefix> merged;
  std::set_union(before.begin(), before.end(), pending.removed.begin(), pending.removed.end(),
                 std::back_inserter(merged));
  before = std::move(merged);

  options_.node_ips = node_ips;
  advertiser_ = advertise::ServiceAdvertiser(options_);
  for (const auto& [key, service] : services_) advertiser_.UpsertService(service);
  for (const auto& [key, object] : endpoints_) advertiser_.UpsertEndpoints(object);
  advertiser_.TakePendingDelta();
  const std::vector<route::IpPrefix> after = advertiser_.Advertised();

  advertise::PrefixDelta delta;
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(delta.added));
  std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
                      std::back_inserter(delta.removed));
  return delta;
}

}  // namespace kr::routed
