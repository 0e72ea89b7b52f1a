#include "common/model/namespace.h"

#include "services/informer/normalize/annotations.h"
#include "services/informer/normalize/guard.h"
#include "services/informer/normalize/normalize.h"
#include "services/informer/normalize/validation.h"

namespace kr::informer {

using nlohmann::json;

namespace {

model::Namespace Normalize(const json& object) {
  const ObjectName id = ReadName(object, /*namespaced=*/false);
  const json& metadata = object["metadata"];
  model::Namespace ns;
  ns.name = id.name;
  ns.labels = StringMap(metadata, "labels", "metadata");
  if (std::string problem = CheckLabels(ns.labels); !problem.empty()) {
    Invalid("metadata.labels", problem);
  }
  ns.annotations = KeepAnnotations(StringMap(metadata, "annotations", "metadata"),
                                   {kKubeRouterPrefix, kLegacyNetworkPolicy});
  return ns;
}

}  // namespace

Expected<model::Namespace> NormalizeNamespace(const json& object) {
  return Guarded([&] { return Normalize(object); });
}

}  // namespace kr::informer
