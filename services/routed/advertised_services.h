// The service IPs routed originates (services/routed/advertise) fed from the bus: Services and
// Endpoints arrive on the bus thread, the controller takes the net change once per sync.
//
//   AdvertisedServices services(advertise_options);            // node_ips: filled per sync
//   FeedLoop<model::Service>(..., services.UpsertService, services.DeleteService);
//   FeedLoop<model::Endpoints>(..., services.UpsertEndpoints, services.DeleteEndpoints);
//   controller.SetAdvertisedServices(&services);               // Take() in each Sync
//
// Our node's addresses (the advertiser's fallback for endpoints without a node name) come
// from the bus Node, so they are given to Take(); when they change the advertiser is rebuilt
// from the services and endpoints kept here and the difference is returned.
//
// Threading: Upsert*/Delete* from any thread (one mutex guards the inbox); Take and
// Advertised from one thread (the controller loop).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/model/endpoints.h"
#include "common/model/service.h"
#include "services/routed/advertise/service_advertiser.h"

namespace kr::routed {

class AdvertisedServices {
 public:
  explicit AdvertisedServices(advertise::AdvertiseOptions options);

  void UpsertService(const model::Service& service);
  void DeleteService(const std::string& key);
  void UpsertEndpoints(const model::Endpoints& endpoints);
  void DeleteEndpoints(const std::string& key);

  // Applies what arrived since the last call; the net change of the advertised set.
  advertise::PrefixDelta Take(const std::vector<route::IpAddress>& node_ips);
  std::vector<route::IpPrefix> Advertised() const { return advertiser_.Advertised(); }

 private:
  std::mutex mu_;
  std::map<std::string, std::optional<model::Service>> service_inbox_;      // guarded
  std::map<std::string, std::optional<model::Endpoints>> endpoints_inbox_;  // guarded

  // Loop thread only.
  advertise::AdvertiseOptions options_;
  advertise::ServiceAdvertiser advertiser_;
  std::map<std::string, model::Service> services_;  // kept to rebuild on a node IP change
  std::map<std::string, model::Endpoints> endpoints_;
};

}  // namespace kr::routed
