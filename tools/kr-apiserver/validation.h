// What kube-apiserver checks on every object before storing it: object names by the rule of
// their type, label keys and values. Spec fields are not validated (stored as given).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tools/kr-apiserver/api_error.h"
#include "tools/kr-apiserver/resources.h"

namespace kr::apiserver {

// Messages for an invalid name; empty when valid. Texts are kube-apiserver's.
std::vector<std::string> NameErrors(ResourceType::NameRule rule, const std::string& name);

// Field errors in `object` (metadata.name or generateName, name syntax, labels). The name
// is required unless `allow_generate_name` and metadata.generateName is set.
std::vector<FieldCause> ValidateObjectMeta(const ResourceType& type, const nlohmann::json& object,
                                           bool allow_generate_name);

}  // namespace kr::apiserver
