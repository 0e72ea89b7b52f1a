#include "tools/kr-apiserver/service_defaults.h"

#include "tools/kr-apiserver/resources.h"

namespace kr::apiserver {

namespace {

using nlohmann::json;

std::string IpString(uint32_t host_order) {
  in_addr addr{htonl(host_order)};
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &addr, buf, sizeof(buf));
  return buf;
}

std::string StringField(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

ApiError ServiceInvalid(const json& service, const std::string& field, const std::string& why) {
  static const ResourceType* services = FindResourceType("", "v1", "services");
  std::string name = service.contains("metadata") ? StringField(service["metadata"], "name") : "";
  return Invalid(*services, name, {{"FieldValueInvalid", field, why}});
}

}  // namespace

std::optional<ServiceNetwork> ParseServiceNetwork(const std::string& cidr) {
  size_t slash = cidr.find('/');
  if (slash == std::string::npos) return std::nullopt;
  in_addr addr{};
  if (inet_pton(AF_INET, cidr.substr(0, slash).c_str(), &addr) != 1) return std::nullopt;
  int prefix = std::atoi(cidr.c_str() + slash + 1);
  if (prefix < 8 || prefix > 30) return std::nullopt;
  ServiceNetwork network;
  uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  network.base = ntohl(addr.s_addr) & mask;
  network.prefix = prefix;
  return network;
}

void AddAllocations(const json& service, ServiceAllocations& used) {
  const json* spec = service.contains("spec") ? &service["spec"] : nullptr;
  if (!spec || !spec->is_object()) return;
  std::string ip = StringField(*spec, "clusterIP");
  if (!ip.empty() && ip != "None") used.cluster_ips.insert(ip);
  if (spec->contains("ports") && (*spec)["ports"].is_array()) {
    for (const auto& port : (*spec)["ports"]) {
      if (port.is_object() && port.contains("nodePort") && port["nodePort"].is_number_integer()) {
        used.node_ports.insert(port["nodePort"].get<int>());
      }
    }
  }
}

std::optional<ApiError> DefaultService(json& service, const json* previous,
                                       const ServiceNetwork& network,
                                       const ServiceAllocations& used) {
  json& spec = service["spec"];
  if (!spec.is_object()) spec = json::object();
  const json* old_spec = previous && previous->contains("spec") && (*previous)["spec"].is_object()
                             ? &(*previous)["spec"]
                             : nullptr;
  if (!spec.contains("type")) spec["type"] = "ClusterIP";
  const std::string type = StringField(spec, "type");
  if (!spec.contains("sessionAffinity")) spec["sessionAffinity"] = "None";
  if (type == "ExternalName") return std::nullopt;
  if (!spec.contains("internalTrafficPolicy")) spec["internalTrafficPolicy"] = "Cluster";
  if ((type == "NodePort" || type == "LoadBalancer") && !spec.contains("externalTrafficPolicy")) {
    spec["externalTrafficPolicy"] = "Cluster";
  }

  // ClusterIP: carried over on update, else allocated (the first address of the range is
  // kept for the "kubernetes" service, as kube-apiserver does).
  std::string cluster_ip = StringField(spec, "clusterIP");
  if (cluster_ip.empty() && old_spec) cluster_ip = StringField(*old_spec, "clusterIP");
  if (cluster_ip.empty()) {
    uint32_t size = uint32_t{1} << (32 - network.prefix);
    for (uint32_t offset = 2; offset + 1 < size; ++offset) {
      std::string candidate = IpString(network.base + offset);
      if (!used.cluster_ips.count(candidate)) {
        cluster_ip = candidate;
        break;
      }
    }
    if (cluster_ip.empty()) {
      return ServiceInvalid(service, "spec.clusterIPs",
                            "Internal error: failed to allocate a serviceIP: range is full");
    }
  } else if (!previous && cluster_ip != "None" && used.cluster_ips.count(cluster_ip)) {
    return ServiceInvalid(service, "spec.clusterIPs",
                          "Invalid value: [\"" + cluster_ip + "\"]: failed to allocate IP " +
                              cluster_ip + ": provided IP is already allocated");
  }
  spec["clusterIP"] = cluster_ip;
  if (!spec.contains("clusterIPs")) spec["clusterIPs"] = {cluster_ip};
  if (!spec.contains("ipFamilies")) spec["ipFamilies"] = {"IPv4"};
  if (!spec.contains("ipFamilyPolicy")) spec["ipFamilyPolicy"] = "SingleStack";

  if (!spec.contains("ports") || !spec["ports"].is_array()) return std::nullopt;
  std::set<int> taken = used.node_ports;
  const bool wants_node_ports = type == "NodePort" || type == "LoadBalancer";
  for (size_t i = 0; i < spec["ports"].size(); ++i) {
    json& port = spec["ports"][i];
    if (!port.is_object()) continue;
    if (!port.contains("protocol")) port["protocol"] = "TCP";
    if (!port.contains("targetPort") && port.contains("port")) port["targetPort"] = port["port"];
    if (!wants_node_ports || port.contains("nodePort")) continue;
    if (old_spec && old_spec->contains("ports") && (*old_spec)["ports"].is_array()) {
      for (const auto& old_port : (*old_spec)["ports"]) {
        if (old_port.is_object() && old_port.value("port", -1) == port.value("port", -2) &&
            old_port.contains("nodePort")) {
          port["nodePort"] = old_port["nodePort"];
        }
      }
      if (port.contains("nodePort")) continue;
    }
    for (int candidate = network.node_port_min; candidate <= network.node_port_max; ++candidate) {
      if (!taken.count(candidate)) {
        port["nodePort"] = candidate;
        taken.insert(candidate);
        break;
      }
    }
    if (!port.contains("nodePort")) {
      return ServiceInvalid(service, "spec.ports[" + std::to_string(i) + "].nodePort",
                            "Internal error: failed to allocate a nodePort: range is full");
    }
  }
  return std::nullopt;
}

}  // namespace kr::apiserver
