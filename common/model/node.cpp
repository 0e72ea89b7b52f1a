#include "common/model/node.h"

#include "common/model/json_fields.h"

namespace kr::model {

void to_json(nlohmann::json& j, const NodeAddress& v) {
  j = nlohmann::json{{"type", v.type}, {"address", v.address}};
}

void from_json(const nlohmann::json& j, NodeAddress& v) {
  RequireObject(j, "node address");
  ReadField(j, "type", v.type);
  ReadField(j, "address", v.address);
}

void to_json(nlohmann::json& j, const Node& v) {
  j = nlohmann::json{{"name", v.name},
                     {"addresses", v.addresses},
                     {"podCIDRs", v.pod_cidrs},
                     {"labels", v.labels},
                     {"annotations", v.annotations}};
}

void from_json(const nlohmann::json& j, Node& v) {
  RequireObject(j, "node");
  ReadField(j, "name", v.name);
  ReadField(j, "addresses", v.addresses);
  ReadField(j, "podCIDRs", v.pod_cidrs);
  ReadField(j, "labels", v.labels);
  ReadField(j, "annotations", v.annotations);
}

}  // namespace kr::model
