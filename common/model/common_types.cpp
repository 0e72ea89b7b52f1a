#include "common/model/common_types.h"

#include "common/model/json_fields.h"

namespace kr::model {

void to_json(nlohmann::json& j, const IntOrString& v) {
  if (v.is_name()) {
    j = v.name;
  } else {
    j = v.number;
  }
}

void from_json(const nlohmann::json& j, IntOrString& v) {
  if (j.is_string()) {
    v = IntOrString{0, j.get<std::string>()};
  } else if (j.is_number_integer()) {
    v = IntOrString{j.get<int32_t>(), ""};
  } else {
    throw nlohmann::json::type_error::create(302, "port must be an integer or a string", &j);
  }
}

void to_json(nlohmann::json& j, const LabelSelectorRequirement& v) {
  j = nlohmann::json{{"key", v.key}, {"operator", v.op}, {"values", v.values}};
}

void from_json(const nlohmann::json& j, LabelSelectorRequirement& v) {
  RequireObject(j, "matchExpressions entry");
  ReadField(j, "key", v.key);
  ReadField(j, "operator", v.op);
  ReadField(j, "values", v.values);
}

void to_json(nlohmann::json& j, const LabelSelector& v) {
  j = nlohmann::json{{"matchLabels", v.match_labels}, {"matchExpressions", v.match_expressions}};
}

void from_json(const nlohmann::json& j, LabelSelector& v) {
  RequireObject(j, "label selector");
  ReadField(j, "matchLabels", v.match_labels);
  ReadField(j, "matchExpressions", v.match_expressions);
}

}  // namespace kr::model
