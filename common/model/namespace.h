// Namespace, proto/schemas/namespace.v1.schema.json: labels for namespaceSelector matching.
#pragma once

#include <string>

#include "common/model/common_types.h"
#include "common/model/schema_version.h"

namespace kr::model {

struct Namespace {
  static constexpr SchemaVersion kSchema{1, 0};

  std::string name;
  StringMap labels;
  StringMap annotations;  // net.beta.kubernetes.io/network-policy and kube-router.io/* only

  std::string Key() const { return name; }
  bool operator==(const Namespace&) const = default;
};

constexpr auto WireSchemaOf(const Namespace*) {
  using T = Namespace;
  return WireSchema<T>("namespace", Member("name", &T::name), Member("labels", &T::labels),
                       Member("annotations", &T::annotations));
}

}  // namespace kr::model
