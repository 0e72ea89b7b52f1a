// The set of service IPs this node originates over BGP, kept up to date one object at a time.
//
//   ServiceAdvertiser advertiser(options);                 // flags + node name
//   advertiser.UpsertService(service);                     // bus: services topic
//   advertiser.UpsertEndpoints(endpoints);                 // bus: endpoints topic
//   PrefixDelta delta = advertiser.DeleteService("ns/name");
//   for (auto& p : delta.added) speaker.Originate(p);     // caller: announce
//   for (auto& p : delta.removed) speaker.Withdraw(p);    // caller: withdraw
//
// Each call returns what that call changed. A controller that coalesces events may ignore
// those and call TakePendingDelta() once per sync instead: it returns the net change since its
// previous call (a prefix added then removed in between appears in neither list).
//
// Cost: a change to one service or its endpoints costs work in proportion to that service's
// IPs (log n each), never to the number of services: the per-service decision is kept
// (ServiceVips), and a reference count per prefix lets several services share one IP (it is
// withdrawn only when the last of them stops advertising it, as kube-router does).
// See service_vips.h for the rules and for how bad input is skipped.
//
// Threading: not thread-safe; one owner (the controller's sync loop).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/model/endpoints.h"
#include "common/model/service.h"
#include "services/routed/advertise/advertise_options.h"
#include "services/routed/advertise/prefix_delta.h"
#include "services/routed/advertise/service_vips.h"

namespace kr::routed::advertise {

class ServiceAdvertiser {
 public:
  explicit ServiceAdvertiser(AdvertiseOptions options) : options_(std::move(options)) {}

  PrefixDelta UpsertService(const model::Service& service);
  PrefixDelta DeleteService(const std::string& key);  // "namespace/name"
  PrefixDelta UpsertEndpoints(const model::Endpoints& endpoints);
  PrefixDelta DeleteEndpoints(const std::string& key);  // "namespace/name" of the service

  // Net change since the previous call (or since construction).
  PrefixDelta TakePendingDelta();

  std::vector<route::IpPrefix> Advertised() const;  // sorted
  bool IsAdvertised(const route::IpPrefix& prefix) const { return refcount_.contains(prefix); }
  std::size_t advertised_count() const { return refcount_.size(); }
  const AdvertiseOptions& options() const { return options_; }

 private:
  struct Entry {
    bool has_service = false;
    bool has_endpoints = false;
    bool local_endpoint = false;
    ServiceVips vips;
    std::vector<route::IpPrefix> active;  // what this service contributes now, sorted
  };

  // Recomputes entry.active and applies the difference to the reference counts; erases the
  // entry once neither the service nor its endpoints are known.
  PrefixDelta Update(const std::string& key, Entry& entry);
  void NotePending(const route::IpPrefix& prefix, bool was_advertised);

  AdvertiseOptions options_;
  std::unordered_map<std::string, Entry> entries_;
  std::map<route::IpPrefix, int> refcount_;  // advertised prefix -> services advertising it
  std::map<route::IpPrefix, bool> pending_;  // touched prefix -> advertised at the last take
};

}  // namespace kr::routed::advertise
