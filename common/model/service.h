// Service, proto/schemas/service.v1.schema.json: what the proxy and the router need.
#pragma once

#include <string>
#include <vector>

#include "common/model/common_types.h"
#include "common/model/schema_version.h"

namespace kr::model {

struct ServicePort {
  std::string name;
  std::string protocol = "TCP";
  int32_t port = 0;
  IntOrString target_port;
  int32_t node_port = 0;
  bool operator==(const ServicePort&) const = default;
};

struct Service {
  static constexpr SchemaVersion kSchema{1, 0};

  std::string ns;  // "namespace" on the wire
  std::string name;
  std::string type = "ClusterIP";
  bool headless = false;
  std::vector<std::string> cluster_ips;
  std::vector<std::string> ip_families;
  std::vector<std::string> external_ips;
  std::vector<std::string> load_balancer_ips;
  std::vector<std::string> load_balancer_source_ranges;
  std::string external_name;
  std::vector<ServicePort> ports;
  std::string session_affinity = "None";
  int32_t session_affinity_timeout_seconds = 0;
  std::string external_traffic_policy = "Cluster";
  std::string internal_traffic_policy = "Cluster";
  int32_t health_check_node_port = 0;
  std::string proxy_name;  // label service.kubernetes.io/service-proxy-name
  StringMap annotations;   // kube-router.io/* only

  std::string Key() const { return NamespacedKey(ns, name); }
  bool operator==(const Service&) const = default;
};

constexpr auto WireSchemaOf(const ServicePort*) {
  using T = ServicePort;
  return WireSchema<T>("service port", Member("name", &T::name), Member("protocol", &T::protocol),
                       Member("port", &T::port), Member("targetPort", &T::target_port),
                       Member("nodePort", &T::node_port));
}

constexpr auto WireSchemaOf(const Service*) {
  using T = Service;
  return WireSchema<T>(
      "service", Member("namespace", &T::ns), Member("name", &T::name), Member("type", &T::type),
      Member("headless", &T::headless), Member("clusterIPs", &T::cluster_ips),
      Member("ipFamilies", &T::ip_families), Member("externalIPs", &T::external_ips),
      Member("loadBalancerIPs", &T::load_balancer_ips),
      Member("loadBalancerSourceRanges", &T::load_balancer_source_ranges),
      Member("externalName", &T::external_name), Member("ports", &T::ports),
      Member("sessionAffinity", &T::session_affinity),
      Member("sessionAffinityTimeoutSeconds", &T::session_affinity_timeout_seconds),
      Member("externalTrafficPolicy", &T::external_traffic_policy),
      Member("internalTrafficPolicy", &T::internal_traffic_policy),
      Member("healthCheckNodePort", &T::health_check_node_port),
      Member("proxyName", &T::proxy_name), Member("annotations", &T::annotations));
}

}  // namespace kr::model
