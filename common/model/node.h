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

constexpr auto WireSchemaOf(const NodeAddress*) {
  using T = NodeAddress;
  return WireSchema<T>("node address", Member("type", &T::type), Member("address", &T::address));
}

constexpr auto WireSchemaOf(const Node*) {
  using T = Node;
  return WireSchema<T>("node", Member("name", &T::name), Member("addresses", &T::addresses),
                       Member("podCIDRs", &T::pod_cidrs), Member("labels", &T::labels),
                       Member("annotations", &T::annotations));
}

}  // namespace kr::model
