// Node, proto/schemas/node.v1.schema.json: what the router and the proxy need.
#pragma once

#include <string>
#include <vector>

#include "common/model/common_types.h"
#include "common/model/schema_version.h"

namespace kr::model {

struct NodeAddress {
  std::string type;  // InternalIP, ExternalIP, Hostname, ...
  std::string address;
  bool operator==(const NodeAddress&) const = default;
};

struct Node {
  static constexpr SchemaVersion kSchema{1, 0};

  std::string name;
  std::vector<NodeAddress> addresses;
  std::vector<std::string> pod_cidrs;
  StringMap labels;
  StringMap annotations;  // kube-router.io/* only

  std::string Key() const { return name; }
  bool operator==(const Node&) const = default;
};

void to_json(nlohmann::json& j, const NodeAddress& v);
void from_json(const nlohmann::json& j, NodeAddress& v);
void to_json(nlohmann::json& j, const Node& v);
void from_json(const nlohmann::json& j, Node& v);

}  // namespace kr::model
