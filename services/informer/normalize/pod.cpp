#include "common/model/pod.h"

#include "services/informer/normalize/guard.h"
#include "services/informer/normalize/normalize.h"
#include "services/informer/normalize/validation.h"

namespace kr::informer {

namespace {

void AddIp(model::Pod& pod, const std::string& ip, const FieldPath& path) {
  std::string canonical;
  if (std::string problem = CheckIp(ip, &canonical); !problem.empty()) Invalid(path, problem);
  if (std::find(pod.ips.begin(), pod.ips.end(), canonical) == pod.ips.end()) {
    pod.ips.push_back(std::move(canonical));
  }
}

void AddContainerPorts(model::Pod& pod, JsonView containers, const FieldPath& path) {
  size_t c = 0;
  for (JsonView container : containers) {
    const FieldPath container_path = path.Index(c++);
    const FieldPath ports_path = container_path.Member("ports");
    size_t p = 0;
    for (JsonView entry : Array(container, "ports", container_path)) {
      const FieldPath port_path = ports_path.Index(p++);
      model::ContainerPort port;
      port.name = String(entry, "name", port_path);
      if (!port.name.empty()) {
        if (std::string problem = CheckPortName(port.name); !problem.empty()) {
          Invalid(port_path.Member("name"), problem);
        }
      }
      port.protocol = String(entry, "protocol", port_path);
      if (port.protocol.empty()) port.protocol = "TCP";
      if (std::string problem = CheckProtocol(port.protocol); !problem.empty()) {
        Invalid(port_path.Member("protocol"), problem);
      }
      port.container_port =
          static_cast<int32_t>(Integer(entry, "containerPort", port_path, 1, 65535, 0));
      if (port.container_port == 0) Invalid(port_path.Member("containerPort"), "missing");
      pod.ports.push_back(std::move(port));
    }
  }
}

model::Pod Normalize(JsonView object) {
  ObjectName id = ReadName(object, /*namespaced=*/true);
  model::Pod pod;
  pod.ns = std::move(id.ns);
  pod.name = std::move(id.name);
  pod.labels = StringMap(object.find("metadata"), "labels", "metadata");
  if (std::string problem = CheckLabels(pod.labels); !problem.empty()) {
    Invalid("metadata.labels", problem);
  }
  if (const JsonView spec = Object(object, "spec", ""); !spec.absent()) {
    pod.node_name = String(spec, "nodeName", "spec");
    pod.host_network = Bool(spec, "hostNetwork", "spec");
    AddContainerPorts(pod, Array(spec, "containers", "spec"), "spec.containers");
  }
  if (const JsonView status = Object(object, "status", ""); !status.absent()) {
    pod.phase = String(status, "phase", "status");
    // podIPs lists every family with the primary first; podIP is the older single field.
    const std::string primary = String(status, "podIP", "status");
    if (!primary.empty()) AddIp(pod, primary, "status.podIP");
    const FieldPath ips_path("status.podIPs");
    size_t i = 0;
    for (JsonView entry : Array(status, "podIPs", "status")) {
      const FieldPath path = ips_path.Index(i++);
      AddIp(pod, String(entry, "ip", path), path.Member("ip"));
    }
  }
  return pod;
}

}  // namespace

Expected<model::Pod> NormalizePod(JsonView object) {
  return Guarded([&] { return Normalize(object); });
}

}  // namespace kr::informer
