// Pure per-service decisions, as kube-router's routes controller makes them (ecmp_vip.go):
// which of a service's IPs this node may originate, and which of those depend on the node
// having a ready endpoint of the service.
//
//   ServiceVips vips = ComputeServiceVips(service, options);   // once per service change
//   bool local = HasReadyLocalEndpoint(endpoints, options);     // once per endpoints change
//   std::vector<route::IpPrefix> now = vips.Active(local);
//
// Rules (kube-router's):
//   - ClusterIP, NodePort and LoadBalancer services only; headless and ExternalName give none.
//   - cluster IPs when --advertise-cluster-ip, external IPs when --advertise-external-ip,
//     LoadBalancer ingress IPs (type LoadBalancer only) when --advertise-loadbalancer-ip and
//     no service.skiplbips annotation; each flag overridden per service by its
//     service.advertise.* annotation.
//   - Local policy: cluster IPs need a ready local endpoint when internalTrafficPolicy is
//     Local; external and LoadBalancer IPs when externalTrafficPolicy is Local; both when the
//     service.local annotation is "true".
// Bad input is logged with the service's namespace/name and skipped: an address that does not
// parse leaves out only that address; an advertise.* annotation that is no boolean is ignored
// (the flag decides), where kube-router would read it as false.
#pragma once

#include <vector>

#include "common/model/endpoints.h"
#include "common/model/service.h"
#include "common/route/ip_prefix.h"
#include "services/routed/advertise/advertise_options.h"

namespace kr::routed::advertise {

struct ServiceVips {
  std::vector<route::IpPrefix> unconditional;         // advertised whatever the endpoints
  std::vector<route::IpPrefix> needs_local_endpoint;  // advertised only with a local endpoint

  // The prefixes to originate now, sorted and without duplicates.
  std::vector<route::IpPrefix> Active(bool has_ready_local_endpoint) const;
  bool operator==(const ServiceVips&) const = default;
};

// Host prefixes (/32, /128), each list sorted and without duplicates.
ServiceVips ComputeServiceVips(const model::Service& service, const AdvertiseOptions& options);

// Whether one of the endpoints is ready and on this node (by node name, or by address when the
// endpoint names no node).
bool HasReadyLocalEndpoint(const model::Endpoints& endpoints, const AdvertiseOptions& options);

}  // namespace kr::routed::advertise
