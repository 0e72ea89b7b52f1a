#include "services/informer/normalize/guard.h"
#include "services/informer/normalize/normalize.h"
#include "services/informer/normalize/validation.h"

namespace kr::informer {

namespace {

constexpr const char* kServiceNameLabel = "kubernetes.io/service-name";

std::vector<model::EndpointPort> ReadPorts(JsonView slice) {
  std::vector<model::EndpointPort> ports;
  const FieldPath ports_path("ports");
  size_t i = 0;
  for (JsonView entry : Array(slice, "ports", "")) {
    const FieldPath path = ports_path.Index(i++);
    model::EndpointPort port;
    port.name = String(entry, "name", path);
    port.protocol = String(entry, "protocol", path);
    if (port.protocol.empty()) port.protocol = "TCP";
    if (std::string problem = CheckProtocol(port.protocol); !problem.empty()) {
      Invalid(path.Member("protocol"), problem);
    }
    // A null port means "all ports", which only non-proxy consumers use; keep it as 0.
    port.port = static_cast<int32_t>(Integer(entry, "port", path, 1, 65535, 0));
    ports.push_back(std::move(port));
  }
  return ports;
}

EndpointSliceShare Normalize(JsonView object) {
  const ObjectName id = ReadName(object, /*namespaced=*/true);
  EndpointSliceShare share;
  const auto labels = StringMap(object.find("metadata"), "labels", "metadata");
  auto service = labels.find(kServiceNameLabel);
  if (service == labels.end() || service->second.empty()) return share;  // not a service's
  share.service_key = model::NamespacedKey(id.ns, service->second);

  const std::string address_type = String(object, "addressType", "");
  if (address_type == "FQDN") return share;
  if (address_type != "IPv4" && address_type != "IPv6") {
    Invalid("addressType", "unknown address type \"" + address_type + "\"");
  }

  share.ports = ReadPorts(object);
  const JsonView endpoints = Array(object, "endpoints", "");
  share.endpoints.reserve(endpoints.size());
  const FieldPath endpoints_path("endpoints");
  size_t i = 0;
  for (JsonView entry : endpoints) {
    const FieldPath path = endpoints_path.Index(i++);
    model::Endpoint endpoint;
    endpoint.addresses = StringList(entry, "addresses", path);
    if (endpoint.addresses.empty()) Invalid(path.Member("addresses"), "empty");
    for (std::string& address : endpoint.addresses) {
      if (std::string problem = CheckIp(address, &address); !problem.empty()) {
        Invalid(path.Member("addresses"), problem);
      }
    }
    // The API's meaning of absent conditions: ready and serving unknown = true, not terminating.
    const JsonView c = Object(entry, "conditions", path);  // absent reads as empty
    const FieldPath conditions_path = path.Member("conditions");
    endpoint.ready = Bool(c, "ready", conditions_path, true);
    endpoint.serving = Bool(c, "serving", conditions_path, endpoint.ready);
    endpoint.terminating = Bool(c, "terminating", conditions_path, false);
    endpoint.node_name = String(entry, "nodeName", path);
    endpoint.zone = String(entry, "zone", path);
    endpoint.hostname = String(entry, "hostname", path);
    share.endpoints.push_back(std::move(endpoint));
  }
  share.endpoints.shrink_to_fit();
  return share;
}

}  // namespace

Expected<EndpointSliceShare> NormalizeEndpointSlice(JsonView object) {
  return Guarded([&] { return Normalize(object); });
}

}  // namespace kr::informer
