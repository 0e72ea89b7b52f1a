#include "common/model/namespace.h"

#include "common/model/json_fields.h"

namespace kr::model {

void to_json(nlohmann::json& j, const Namespace& v) {
  j = nlohmann::json{{"name", v.name}, {"labels", v.labels}, {"annotations", v.annotations}};
}

void from_json(const nlohmann::json& j, Namespace& v) {
  RequireObject(j, "namespace");
  ReadField(j, "name", v.name);
  ReadField(j, "labels", v.labels);
  ReadField(j, "annotations", v.annotations);
}

}  // namespace kr::model
