// Value types shared by several object kinds (proto/schemas/common.v1.schema.json).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/model/cbor_encode.h"
#include "common/model/wire_fields.h"

namespace kr::model {

using StringMap = std::map<std::string, std::string>;

// A port number, or the name of a container port resolved per pod (Kubernetes IntOrString).
struct IntOrString {
  int32_t number = 0;
  std::string name;  // non-empty means "by name"; number is then unused

  bool is_name() const { return !name.empty(); }
  bool operator==(const IntOrString&) const = default;
};

struct LabelSelectorRequirement {
  std::string key;
  std::string op;  // In, NotIn, Exists, DoesNotExist ("operator" on the wire)
  std::vector<std::string> values;
  bool operator==(const LabelSelectorRequirement&) const = default;
};

// A present-but-empty selector selects everything; requirements are ANDed.
struct LabelSelector {
  StringMap match_labels;
  std::vector<LabelSelectorRequirement> match_expressions;
  bool operator==(const LabelSelector&) const = default;
};

void to_json(nlohmann::json& j, const IntOrString& v);
void from_json(const nlohmann::json& j, IntOrString& v);
void ReadValue(TokenReader& reader, IntOrString& out, const char* what);
void EncodeValue(std::string& out, const IntOrString& v);

constexpr auto WireSchemaOf(const LabelSelectorRequirement*) {
  using T = LabelSelectorRequirement;
  return WireSchema<T>("matchExpressions entry", Member("key", &T::key), Member("operator", &T::op),
                       Member("values", &T::values));
}

constexpr auto WireSchemaOf(const LabelSelector*) {
  using T = LabelSelector;
  return WireSchema<T>("label selector", Member("matchLabels", &T::match_labels),
                       Member("matchExpressions", &T::match_expressions));
}

// "namespace/name", the bus key of namespaced objects.
inline std::string NamespacedKey(const std::string& ns, const std::string& name) {
  return ns + "/" + name;
}

}  // namespace kr::model
