#include "common/model/node.h"

#include "services/informer/normalize/annotations.h"
#include "services/informer/normalize/guard.h"
#include "services/informer/normalize/normalize.h"
#include "services/informer/normalize/validation.h"

namespace kr::informer {

namespace {

model::Node Normalize(JsonView object) {
  const ObjectName id = ReadName(object, /*namespaced=*/false);
  const JsonView metadata = object.find("metadata");
  model::Node node;
  node.name = id.name;
  node.labels = StringMap(metadata, "labels", "metadata");
  node.annotations =
      KeepAnnotations(StringMap(metadata, "annotations", "metadata"), {kKubeRouterPrefix});

  if (const JsonView spec = Object(object, "spec", ""); !spec.absent()) {
    std::vector<std::string> cidrs = StringList(spec, "podCIDRs", "spec");
    if (cidrs.empty()) {
      const std::string single = String(spec, "podCIDR", "spec");
      if (!single.empty()) cidrs.push_back(single);
    }
    const FieldPath cidrs_path("spec.podCIDRs");
    for (size_t i = 0; i < cidrs.size(); ++i) {
      std::string canonical;
      if (std::string problem = CheckCidr(cidrs[i], &canonical); !problem.empty()) {
        Invalid(cidrs_path.Index(i), problem);
      }
      node.pod_cidrs.push_back(canonical);
    }
  }
  if (const JsonView status = Object(object, "status", ""); !status.absent()) {
    const FieldPath addresses_path("status.addresses");
    size_t i = 0;
    for (JsonView entry : Array(status, "addresses", "status")) {
      const FieldPath path = addresses_path.Index(i++);
      model::NodeAddress address{String(entry, "type", path), String(entry, "address", path)};
      // Hostname and DNS entries are names; only the IP kinds must parse as addresses.
      if (address.type == "InternalIP" || address.type == "ExternalIP") {
        if (std::string problem = CheckIp(address.address, &address.address); !problem.empty()) {
          Invalid(path.Member("address"), problem);
        }
      }
      node.addresses.push_back(std::move(address));
    }
  }
  return node;
}

}  // namespace

Expected<model::Node> NormalizeNode(JsonView object) {
  return Guarded([&] { return Normalize(object); });
}

}  // namespace kr::informer
