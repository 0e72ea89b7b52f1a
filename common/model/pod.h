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

void to_json(nlohmann::json& j, const ContainerPort& v);
void from_json(const nlohmann::json& j, ContainerPort& v);
void to_json(nlohmann::json& j, const Pod& v);
void from_json(const nlohmann::json& j, Pod& v);

}  // namespace kr::model
