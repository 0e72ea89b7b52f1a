#include "common/model/namespace.h"

#include "services/informer/normalize/annotations.h"
#include "services/informer/normalize/guard.h"
#include "services/informer/normalize/normalize.h"
#include "services/informer/normalize/validation.h"

namespace kr::informer {

namespace {

model::Namespace Normalize(JsonView object) {
  const ObjectName id = ReadName(object, /*namespaced=*/false);
  const JsonView metadata = object.find("metadata");
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

Expected<model::Namespace> NormalizeNamespace(JsonView object) {
  return Guarded([&] { return Normalize(object); });
}

}  // namespace kr::informer
