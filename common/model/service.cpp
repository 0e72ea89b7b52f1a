#include "common/model/service.h"

#include "common/model/json_fields.h"

namespace kr::model {

void to_json(nlohmann::json& j, const ServicePort& v) {
  j = nlohmann::json{{"name", v.name},
                     {"protocol", v.protocol},
                     {"port", v.port},
                     {"targetPort", v.target_port},
                     {"nodePort", v.node_port}};
}

void from_json(const nlohmann::json& j, ServicePort& v) {
  RequireObject(j, "service port");
  ReadField(j, "name", v.name);
  ReadField(j, "protocol", v.protocol);
  ReadField(j, "port", v.port);
  ReadField(j, "targetPort", v.target_port);
  ReadField(j, "nodePort", v.node_port);
}

void to_json(nlohmann::json& j, const Service& v) {
  j = nlohmann::json{{"namespace", v.ns},
                     {"name", v.name},
                     {"type", v.type},
                     {"headless", v.headless},
                     {"clusterIPs", v.cluster_ips},
                     {"ipFamilies", v.ip_families},
                     {"externalIPs", v.external_ips},
                     {"loadBalancerIPs", v.load_balancer_ips},
                     {"loadBalancerSourceRanges", v.load_balancer_source_ranges},
                     {"externalName", v.external_name},
                     {"ports", v.ports},
                     {"sessionAffinity", v.session_affinity},
                     {"sessionAffinityTimeoutSeconds", v.session_affinity_timeout_seconds},
                     {"externalTrafficPolicy", v.external_traffic_policy},
                     {"internalTrafficPolicy", v.internal_traffic_policy},
                     {"healthCheckNodePort", v.health_check_node_port},
                     {"proxyName", v.proxy_name},
                     {"annotations", v.annotations}};
}

void from_json(const nlohmann::json& j, Service& v) {
  RequireObject(j, "service");
  ReadField(j, "namespace", v.ns);
  ReadField(j, "name", v.name);
  ReadField(j, "type", v.type);
  ReadField(j, "headless", v.headless);
  ReadField(j, "clusterIPs", v.cluster_ips);
  ReadField(j, "ipFamilies", v.ip_families);
  ReadField(j, "externalIPs", v.external_ips);
  ReadField(j, "loadBalancerIPs", v.load_balancer_ips);
  ReadField(j, "loadBalancerSourceRanges", v.load_balancer_source_ranges);
  ReadField(j, "externalName", v.external_name);
  ReadField(j, "ports", v.ports);
  ReadField(j, "sessionAffinity", v.session_affinity);
  ReadField(j, "sessionAffinityTimeoutSeconds", v.session_affinity_timeout_seconds);
  ReadField(j, "externalTrafficPolicy", v.external_traffic_policy);
  ReadField(j, "internalTrafficPolicy", v.internal_traffic_policy);
  ReadField(j, "healthCheckNodePort", v.health_check_node_port);
  ReadField(j, "proxyName", v.proxy_name);
  ReadField(j, "annotations", v.annotations);
}

}  // namespace kr::model
