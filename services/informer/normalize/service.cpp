#include "common/model/service.h"

#include "services/informer/normalize/annotations.h"
#include "services/informer/normalize/guard.h"
#include "services/informer/normalize/normalize.h"
#include "services/informer/normalize/validation.h"

namespace kr::informer {

namespace {

constexpr int32_t kDefaultAffinityTimeout = 10800;  // the apiserver's default, 3 hours
constexpr const char* kProxyNameLabel = "service.kubernetes.io/service-proxy-name";

void RequireValid(const FieldPath& path, const std::string& problem) {
  if (!problem.empty()) Invalid(path, problem);
}

std::vector<std::string> IpList(JsonView parent, const char* key, const FieldPath& path) {
  std::vector<std::string> ips = StringList(parent, key, path);
  const FieldPath list = path.Member(key);
  for (size_t i = 0; i < ips.size(); ++i) RequireValid(list.Index(i), CheckIp(ips[i], &ips[i]));
  return ips;
}

model::ServicePort ReadPort(JsonView port, const FieldPath& path) {
  model::ServicePort out;
  out.name = String(port, "name", path);
  out.protocol = String(port, "protocol", path);
  if (out.protocol.empty()) out.protocol = "TCP";
  RequireValid(path.Member("protocol"), CheckProtocol(out.protocol));
  out.port = static_cast<int32_t>(Integer(port, "port", path, 1, 65535, 0));
  if (out.port == 0) Invalid(path.Member("port"), "missing");
  out.node_port = static_cast<int32_t>(Integer(port, "nodePort", path, 0, 65535));
  const JsonView target = port.find("targetPort");
  if (target.unset()) {
    out.target_port.number = out.port;  // the apiserver defaults targetPort to port
  } else if (target.is_string()) {
    out.target_port.name = target.string();
    RequireValid(path.Member("targetPort"), CheckPortName(out.target_port.name));
  } else {
    out.target_port.number = static_cast<int32_t>(Integer(port, "targetPort", path, 1, 65535));
  }
  return out;
}

model::Service Normalize(JsonView object) {
  const ObjectName id = ReadName(object, /*namespaced=*/true);
  const JsonView metadata = object.find("metadata");
  const JsonView spec = Object(object, "spec", "");  // absent reads as empty

  model::Service svc;
  svc.ns = id.ns;
  svc.name = id.name;
  svc.type = String(spec, "type", "spec");
  if (svc.type.empty()) svc.type = "ClusterIP";
  if (svc.type != "ClusterIP" && svc.type != "NodePort" && svc.type != "LoadBalancer" &&
      svc.type != "ExternalName") {
    Invalid("spec.type", "unknown service type \"" + svc.type + "\"");
  }

  std::vector<std::string> cluster_ips = StringList(spec, "clusterIPs", "spec");
  if (cluster_ips.empty()) {
    const std::string single = String(spec, "clusterIP", "spec");
    if (!single.empty()) cluster_ips.push_back(single);
  }
  const FieldPath cluster_ips_path("spec.clusterIPs");
  for (size_t i = 0; i < cluster_ips.size(); ++i) {
    if (cluster_ips[i] == "None") {
      svc.headless = true;
      continue;
    }
    std::string canonical;
    RequireValid(cluster_ips_path.Index(i), CheckIp(cluster_ips[i], &canonical));
    svc.cluster_ips.push_back(canonical);
  }
  svc.ip_families = StringList(spec, "ipFamilies", "spec");
  svc.external_ips = IpList(spec, "externalIPs", "spec");
  svc.load_balancer_source_ranges = StringList(spec, "loadBalancerSourceRanges", "spec");
  for (auto& range : svc.load_balancer_source_ranges) {
    RequireValid("spec.loadBalancerSourceRanges", CheckCidr(range, &range));
  }
  svc.external_name = String(spec, "externalName", "spec");

  // LoadBalancer addresses: the deprecated spec.loadBalancerIP and every ingress IP in status.
  const std::string requested_lb = String(spec, "loadBalancerIP", "spec");
  if (!requested_lb.empty()) {
    std::string canonical;
    RequireValid("spec.loadBalancerIP", CheckIp(requested_lb, &canonical));
    svc.load_balancer_ips.push_back(canonical);
  }
  if (const JsonView status = Object(object, "status", ""); !status.absent()) {
    if (const JsonView lb = Object(status, "loadBalancer", "status"); !lb.absent()) {
      const FieldPath ingress_path("status.loadBalancer.ingress");
      size_t i = 0;
      for (JsonView ingress : Array(lb, "ingress", "status.loadBalancer")) {
        const FieldPath entry_path = ingress_path.Index(i++);
        const std::string ip = String(ingress, "ip", "status.loadBalancer.ingress");
        if (ip.empty()) continue;  // hostname-only ingress: nothing to program
        std::string canonical;
        RequireValid(entry_path.Member("ip"), CheckIp(ip, &canonical));
        if (std::find(svc.load_balancer_ips.begin(), svc.load_balancer_ips.end(), canonical) ==
            svc.load_balancer_ips.end()) {
          svc.load_balancer_ips.push_back(canonical);
        }
      }
    }
  }

  const FieldPath ports_path("spec.ports");
  size_t port_index = 0;
  for (JsonView port : Array(spec, "ports", "spec")) {
    svc.ports.push_back(ReadPort(port, ports_path.Index(port_index++)));
  }

  svc.session_affinity = String(spec, "sessionAffinity", "spec");
  if (svc.session_affinity.empty()) svc.session_affinity = "None";
  if (svc.session_affinity != "None" && svc.session_affinity != "ClientIP") {
    Invalid("spec.sessionAffinity", "unknown value \"" + svc.session_affinity + "\"");
  }
  if (svc.session_affinity == "ClientIP") {
    svc.session_affinity_timeout_seconds = kDefaultAffinityTimeout;
    if (const JsonView config = Object(spec, "sessionAffinityConfig", "spec"); !config.absent()) {
      if (const JsonView client_ip = Object(config, "clientIP", "spec.sessionAffinityConfig");
          !client_ip.absent()) {
        svc.session_affinity_timeout_seconds = static_cast<int32_t>(
            Integer(client_ip, "timeoutSeconds", "spec.sessionAffinityConfig.clientIP", 1, 86400,
                    kDefaultAffinityTimeout));
      }
    }
  }

  svc.external_traffic_policy = String(spec, "externalTrafficPolicy", "spec");
  if (svc.external_traffic_policy.empty()) svc.external_traffic_policy = "Cluster";
  svc.internal_traffic_policy = String(spec, "internalTrafficPolicy", "spec");
  if (svc.internal_traffic_policy.empty()) svc.internal_traffic_policy = "Cluster";
  for (const auto& [field, value] :
       {std::pair{"spec.externalTrafficPolicy", svc.external_traffic_policy},
        std::pair{"spec.internalTrafficPolicy", svc.internal_traffic_policy}}) {
    if (value != "Cluster" && value != "Local") Invalid(field, "unknown value \"" + value + "\"");
  }
  svc.health_check_node_port =
      static_cast<int32_t>(Integer(spec, "healthCheckNodePort", "spec", 0, 65535));

  const auto labels = StringMap(metadata, "labels", "metadata");
  if (auto it = labels.find(kProxyNameLabel); it != labels.end()) svc.proxy_name = it->second;
  svc.annotations =
      KeepAnnotations(StringMap(metadata, "annotations", "metadata"), {kKubeRouterPrefix});
  return svc;
}

}  // namespace

Expected<model::Service> NormalizeService(JsonView object) {
  return Guarded([&] { return Normalize(object); });
}

}  // namespace kr::informer
