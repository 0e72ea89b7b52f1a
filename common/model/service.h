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

void to_json(nlohmann::json& j, const ServicePort& v);
void from_json(const nlohmann::json& j, ServicePort& v);
void to_json(nlohmann::json& j, const Service& v);
void from_json(const nlohmann::json& j, Service& v);

}  // namespace kr::model
