#include "tools/kr-apiserver/service_defaults.h"

#include <functional>
#include <set>

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

namespace {

// The ClusterIP and the NodePorts a service holds.
void ForEachAllocation(const json& service, const std::function<void(const std::string&)>& on_ip,
                       const std::function<void(int)>& on_port) {
  auto spec = service.find("spec");
  if (spec == service.end() || !spec->is_object()) return;
  std::string ip = StringField(*spec, "clusterIP");
  if (!ip.empty() && ip != "None") on_ip(ip);
  auto ports = spec->find("ports");
  if (ports == spec->end() || !ports->is_array()) return;
  for (const auto& port : *ports) {
    if (!port.is_object()) continue;
    auto node_port = port.find("nodePort");
    if (node_port != port.end() && node_port->is_number_integer()) on_port(node_port->get<int>());
  }
}

// The offset of `ip` in `network`, if it is an IPv4 address in it.
std::optional<uint32_t> OffsetIn(const ServiceNetwork& network, const std::string& ip) {
  in_addr addr{};
  if (inet_pton(AF_INET, ip.c_str(), &addr) != 1) return std::nullopt;
  const uint32_t host = ntohl(addr.s_addr);
  const uint32_t size = uint32_t{1} << (32 - network.prefix);
  if (host < network.base || host - network.base >= size) return std::nullopt;
  return host - network.base;
}

}  // namespace

void ServiceAllocations::Add(const json& service) {
  ForEachAllocation(
      service, [&](const std::string& ip) { ++cluster_ips_[ip]; },
      [&](int port) { ++node_ports_[port]; });
}

void ServiceAllocations::Remove(const json& service) {
  ForEachAllocation(
      service,
      [&](const std::string& ip) {
        auto it = cluster_ips_.find(ip);
        if (it == cluster_ips_.end() || --it->second > 0) return;
        cluster_ips_.erase(it);
        if (!mark_network_) return;
        if (auto offset = OffsetIn(*mark_network_, ip); offset && *offset < next_free_) {
          next_free_ = std::max<uint32_t>(*offset, 2);
        }
      },
      [&](int port) {
        auto it = node_ports_.find(port);
        if (it != node_ports_.end() && --it->second == 0) node_ports_.erase(it);
      });
}

void ServiceAllocations::Clear() {
  cluster_ips_.clear();
  node_ports_.clear();
  mark_network_.reset();
  next_free_ = 2;
}

uint32_t ServiceAllocations::FirstFreeOffset(const ServiceNetwork& network) const {
  if (!mark_network_ || mark_network_->base != network.base ||
      mark_network_->prefix != network.prefix) {
    mark_network_ = network;
    next_free_ = 2;
  }
  const uint32_t size = uint32_t{1} << (32 - network.prefix);
  while (next_free_ + 1 < size && HasClusterIp(IpString(network.base + next_free_))) ++next_free_;
  return next_free_;
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
    const uint32_t size = uint32_t{1} << (32 - network.prefix);
    if (const uint32_t offset = used.FirstFreeOffset(network); offset + 1 < size) {
      cluster_ip = IpString(network.base + offset);
    }
    if (cluster_ip.empty()) {
      return ServiceInvalid(service, "spec.clusterIPs",
                            "Internal error: failed to allocate a serviceIP: range is full");
    }
  } else if (!previous && cluster_ip != "None" && used.HasClusterIp(cluster_ip)) {
    return ServiceInvalid(service, "spec.clusterIPs",
                          "Invalid value: [\"" + cluster_ip + "\"]: failed to allocate IP " +
                              cluster_ip + ": provided IP is already allocated");
  }
  spec["clusterIP"] = cluster_ip;
  if (!spec.contains("clusterIPs")) spec["clusterIPs"] = {cluster_ip};
  if (!spec.contains("ipFamilies")) spec["ipFamilies"] = {"IPv4"};
  if (!spec.contains("ipFamilyPolicy")) spec["ipFamilyPolicy"] = "SingleStack";

  if (!spec.contains("ports") || !spec["ports"].is_array()) return std::nullopt;
  std::set<int> taken_here;  // by earlier ports of this service
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
      if (!used.HasNodePort(candidate) && !taken_here.count(candidate)) {
        port["nodePort"] = candidate;
        taken_here.insert(candidate);
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
