#include "services/routed/advertise/service_vips.h"

#include <algorithm>
#include <string_view>

#include "common/flags/value_parsers.h"
#include "common/log/log.h"

namespace kr::routed::advertise {
namespace {

void SortUnique(std::vector<route::IpPrefix>& prefixes) {
  std::sort(prefixes.begin(), prefixes.end());
  prefixes.erase(std::unique(prefixes.begin(), prefixes.end()), prefixes.end());
}

// The flag's value unless the annotation overrides it with a boolean.
bool Enabled(const model::Service& service, const char* annotation, bool flag) {
  const auto it = service.annotations.find(annotation);
  if (it == service.annotations.end()) return flag;
  Expected<bool> value = flags::ParseBool(it->second);
  if (!value.ok()) {
    KR_LOG(WARNING) << "service " << service.Key() << ": annotation " << annotation << "=\""
                    << it->second << "\" is not a boolean, ignored (flag says "
                    << (flag ? "true" : "false") << ")";
    return flag;
  }
  return *value;
}

void AppendHostPrefixes(const model::Service& service, std::string_view field,
                        const std::vector<std::string>& addresses,
                        std::vector<route::IpPrefix>& out) {
  for (const std::string& text : addresses) {
    Expected<route::IpAddress> address = route::IpAddress::Parse(text);
    if (!address.ok()) {
      KR_LOG(WARNING) << "service " << service.Key() << ": " << field << " \"" << text
                      << "\" is not an IP address, not advertised";
      continue;
    }
    out.push_back(*route::IpPrefix::Make(*address, route::MaxPrefixLength(address->family())));
  }
}

bool IsProxiedType(const std::string& type) {
  return type == "ClusterIP" || type == "NodePort" || type == "LoadBalancer";
}

}  // namespace

std::vector<route::IpPrefix> ServiceVips::Active(bool has_ready_local_endpoint) const {
  std::vector<route::IpPrefix> active = unconditional;
  if (has_ready_local_endpoint) {
    active.insert(active.end(), needs_local_endpoint.begin(), needs_local_endpoint.end());
    SortUnique(active);
  }
  return active;
}

ServiceVips ComputeServiceVips(const model::Service& service, const AdvertiseOptions& options) {
  ServiceVips vips;
  // kube-router skips headless services for every kind of VIP, also their external IPs.
  if (!IsProxiedType(service.type) || service.headless || service.cluster_ips.empty()) {
    return vips;
  }
  const auto local_annotation = service.annotations.find(kLocalAnnotation);
  const bool local_annotated =
      local_annotation != service.annotations.end() && local_annotation->second == "true";
  const bool internal_local = local_annotated || service.internal_traffic_policy == "Local";
  const bool external_local = local_annotated || service.external_traffic_policy == "Local";

  if (Enabled(service, kAdvertiseClusterIpAnnotation, options.advertise_cluster_ip)) {
    AppendHostPrefixes(service, "cluster IP", service.cluster_ips,
                       internal_local ? vips.needs_local_endpoint : vips.unconditional);
  }
  if (Enabled(service, kAdvertiseExternalIpAnnotation, options.advertise_external_ip)) {
    AppendHostPrefixes(service, "external IP", service.external_ips,
                       external_local ? vips.needs_local_endpoint : vips.unconditional);
  }
  if (service.type == "LoadBalancer" && !service.annotations.contains(kSkipLbIpsAnnotation) &&
      Enabled(service, kAdvertiseLoadBalancerIpAnnotation, options.advertise_loadbalancer_ip)) {
    AppendHostPrefixes(service, "LoadBalancer IP", service.load_balancer_ips,
                       external_local ? vips.needs_local_endpoint : vips.unconditional);
  }
  SortUnique(vips.unconditional);
  SortUnique(vips.needs_local_endpoint);
  // An IP both unconditional and conditional (e.g. listed as cluster and external IP) is
  // advertised anyway: keep it in one list only.
  std::erase_if(vips.needs_local_endpoint, [&](const route::IpPrefix& prefix) {
    return std::binary_search(vips.unconditional.begin(), vips.unconditional.end(), prefix);
  });
  return vips;
}

bool HasReadyLocalEndpoint(const model::Endpoints& endpoints, const AdvertiseOptions& options) {
  for (const model::Endpoint& endpoint : endpoints.endpoints) {
    if (!endpoint.ready) continue;
    if (!endpoint.node_name.empty()) {
      if (endpoint.node_name == options.node_name) return true;
      continue;
    }
    for (const std::string& text : endpoint.addresses) {
      Expected<route::IpAddress> address = route::IpAddress::Parse(text);
      if (address.ok() && std::find(options.node_ips.begin(), options.node_ips.end(), *address) !=
                              options.node_ips.end()) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace kr::routed::advertise
