// Pod, proto/schemas/pod.v1.schema.json: what the firewall and the router need.
#pragma once

#include <string>
#include <vector>

#include "common/model/common_types.h"
#include "common/model/schema_version.h"

namespace kr::model {

// A container port of any container of the pod, for named-port resolution.
struct ContainerPort {
  std::string name;
  std::string protocol = "TCP";
  int32_t container_port = 0;
  bool operator==(const ContainerPort&) const = default;
};

struct Pod {
  static constexpr SchemaVersion kSchema{1, 0};

  std::string ns;  // "namespace" on the wire
  std::string name;
  StringMap labels;
  std::vector<std::string> ips;  // primary first
  std::string node_name;
  std::string phase;
  bool host_network = false;
  std::vector<ContainerPort> ports;

  std::string Key() const { return NamespacedKey(ns, name); }
  bool operator==(const Pod&) const = default;
};

constexpr auto WireSchemaOf(const ContainerPort*) {
  using T = ContainerPort;
  return WireSchema<T>("container port", Member("name", &T::name), Member("protocol", &T::protocol),
                       Member("containerPort", &T::container_port));
}

constexpr auto WireSchemaOf(const Pod*) {
  using T = Pod;
  return WireSchema<T>("pod", Member("namespace", &T::ns), Member("name", &T::name),
                       Member("labels", &T::labels), Member("ips", &T::ips),
                       Member("nodeName", &T::node_name), Member("phase", &T::phase),
                       Member("hostNetwork", &T::host_network), Member("ports", &T::ports));
}

}  // namespace kr::model
