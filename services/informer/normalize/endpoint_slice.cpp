#include "services/informer/normalize/guard.h"
#include "services/informer/normalize/normalize.h"
#include "services/informer/normalize/validation.h"

namespace kr::informer {

using nlohmann::json;

namespace {

constexpr const char* kServiceNameLabel = "kubernetes.io/service-name";

std::vector<model::EndpointPort> ReadPorts(const json& slice) {
  std::vector<model::EndpointPort> ports;
  const json& list = Array(slice, "ports", "");
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string path = "ports[" + std::to_string(i) + "]";
    model::EndpointPort port;
    port.name = String(list[i], "name", path);
    port.protocol = String(list[i], "protocol", path);
    if (port.protocol.empty()) port.protocol = "TCP";
    if (std::string problem = CheckProtocol(port.protocol); !problem.empty()) {
      Invalid(path + ".protocol", problem);
    }
    // A null port means "all ports", which only non-proxy consumers use; keep it as 0.
    port.port = static_cast<int32_t>(Integer(list[i], "port", path, 1, 65535, 0));
    ports.push_back(std::move(port));
  }
  return ports;
}

EndpointSliceShare Normalize(const json& object) {
  const ObjectName id = ReadName(object, /*namespaced=*/true);
  EndpointSliceShare share;
  const auto labels = StringMap(object["metadata"], "labels", "metadata");
  auto service = labels.find(kServiceNameLabel);
  if (service == labels.end() || service->second.empty()) return share;  // not a service's
  share.service_key = model::NamespacedKey(id.ns, service->second);

  const std::string address_type = String(object, "addressType", "");
  if (address_type == "FQDN") return share;
  if (address_type != "IPv4" && address_type != "IPv6") {
    Invalid("addressType", "unknown address type \"" + address_type + "\"");
  }

  share.ports = ReadPorts(object);
  const json& endpoints = Array(object, "endpoints", "");
  for (size_t i = 0; i < endpoints.size(); ++i) {
    const std::string path = "endpoints[" + std::to_string(i) + "]";
    model::Endpoint endpoint;
    endpoint.addresses = StringList(endpoints[i], "addresses", path);
    if (endpoint.addresses.empty()) Invalid(path + ".addresses", "empty");
    for (std::string& address : endpoint.addresses) {
      if (std::string problem = CheckIp(address, &address); !problem.empty()) {
        Invalid(path + ".addresses", problem);
      }
    }
    // The API's meaning of absent conditions: ready and serving unknown = true, not terminating.
    static const json kNoConditions = json::object();
    const json* conditions = Object(endpoints[i], "conditions", path);
    const json& c = conditions ? *conditions : kNoConditions;
    endpoint.ready = Bool(c, "ready", path + ".conditions", true);
    endpoint.serving = Bool(c, "serving", path + ".conditions", endpoint.ready);
    endpoint.terminating = Bool(c, "terminating", path + ".conditions", false);
    endpoint.node_name = String(endpoints[i], "nodeName", path);
    endpoint.zone = String(endpoints[i], "zone", path);
    endpoint.hostname = String(endpoints[i], "hostname", path);
    share.endpoints.push_back(std::move(endpoint));
  }
  share.endpoints.shrink_to_fit();
  return share;
}

}  // namespace

Expected<EndpointSliceShare> NormalizeEndpointSlice(const json& object) {
  return Guarded([&] { return Normalize(object); });
}

}  // namespace kr::informer
