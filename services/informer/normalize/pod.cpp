#include "common/model/pod.h"

#include "services/informer/normalize/guard.h"
#include "services/informer/normalize/normalize.h"
#include "services/informer/normalize/validation.h"

namespace kr::informer {

using nlohmann::json;

namespace {

void AddIp(model::Pod& pod, const std::string& ip, const std::string& path) {
  std::string canonical;
  if (std::string problem = CheckIp(ip, &canonical); !problem.empty()) Invalid(path, problem);
  if (std::find(pod.ips.begin(), pod.ips.end(), canonical) == pod.ips.end()) {
    pod.ips.push_back(canonical);
  }
}

void AddContainerPorts(model::Pod& pod, const json& containers, const std::string& path) {
  for (size_t c = 0; c < containers.size(); ++c) {
    const std::string container_path = path + "[" + std::to_string(c) + "]";
    const json& ports = Array(containers[c], "ports", container_path);
    for (size_t p = 0; p < ports.size(); ++p) {
      const std::string port_path = container_path + ".ports[" + std::to_string(p) + "]";
      model::ContainerPort port;
      port.name = String(ports[p], "name", port_path);
      if (!port.name.empty()) {
        if (std::string problem = CheckPortName(port.name); !problem.empty()) {
          Invalid(port_path + ".name", problem);
        }
      }
      port.protocol = String(ports[p], "protocol", port_path);
      if (port.protocol.empty()) port.protocol = "TCP";
      if (std::string problem = CheckProtocol(port.protocol); !problem.empty()) {
        Invalid(port_path + ".protocol", problem);
      }
      port.container_port =
          static_cast<int32_t>(Integer(ports[p], "containerPort", port_path, 1, 65535, 0));
      if (port.container_port == 0) Invalid(port_path + ".containerPort", "missing");
      pod.ports.push_back(std::move(port));
    }
  }
}

model::Pod Normalize(const json& object) {
  const ObjectName id = ReadName(object, /*namespaced=*/true);
  model::Pod pod;
  pod.ns = id.ns;
  pod.name = id.name;
  pod.labels = StringMap(object["metadata"], "labels", "metadata");
  if (std::string problem = CheckLabels(pod.labels); !problem.empty()) {
    Invalid("metadata.labels", problem);
  }
  if (const json* spec = Object(object, "spec", "")) {
    pod.node_name = String(*spec, "nodeName", "spec");
    pod.host_network = Bool(*spec, "hostNetwork", "spec");
    AddContainerPorts(pod, Array(*spec, "containers", "spec"), "spec.containers");
  }
  if (const json* status = Object(object, "status", "")) {
    pod.phase = String(*status, "phase", "status");
    // podIPs lists every family with the primary first; podIP is the older single field.
    const std::string primary = String(*status, "podIP", "status");
    if (!primary.empty()) AddIp(pod, primary, "status.podIP");
    const json& ips = Array(*status, "podIPs", "status");
    for (size_t i = 0; i < ips.size(); ++i) {
      const std::string path = "status.podIPs[" + std::to_string(i) + "]";
      AddIp(pod, String(ips[i], "ip", path), path + ".ip");
    }
  }
  return pod;
}

}  // namespace

Expected<model::Pod> NormalizePod(const json& object) {
  return Guarded([&] { return Normalize(object); });
}

}  // namespace kr::informer
