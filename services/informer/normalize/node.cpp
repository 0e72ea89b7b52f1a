#include "common/model/node.h"

#include "services/informer/normalize/annotations.h"
#include "services/informer/normalize/guard.h"
#include "services/informer/normalize/normalize.h"
#include "services/informer/normalize/validation.h"

namespace kr::informer {

using nlohmann::json;

namespace {

model::Node Normalize(const json& object) {
  const ObjectName id = ReadName(object, /*namespaced=*/false);
  const json& metadata = object["metadata"];
  model::Node node;
  node.name = id.name;
  node.labels = StringMap(metadata, "labels", "metadata");
  node.annotations =
      KeepAnnotations(StringMap(metadata, "annotations", "metadata"), {kKubeRouterPrefix});

  if (const json* spec = Object(object, "spec", "")) {
    std::vector<std::string> cidrs = StringList(*spec, "podCIDRs", "spec");
    if (cidrs.empty()) {
      const std::string single = String(*spec, "podCIDR", "spec");
      if (!single.empty()) cidrs.push_back(single);
    }
    for (size_t i = 0; i < cidrs.size(); ++i) {
      std::string canonical;
      if (std::string problem = CheckCidr(cidrs[i], &canonical); !problem.empty()) {
        Invalid("spec.podCIDRs[" + std::to_string(i) + "]", problem);
      }
      node.pod_cidrs.push_back(canonical);
    }
  }
  if (const json* status = Object(object, "status", "")) {
    const json& addresses = Array(*status, "addresses", "status");
    for (size_t i = 0; i < addresses.size(); ++i) {
      const std::string path = "status.addresses[" + std::to_string(i) + "]";
      model::NodeAddress address{String(addresses[i], "type", path),
                                 String(addresses[i], "address", path)};
      // Hostname and DNS entries are names; only the IP kinds must parse as addresses.
      if (address.type == "InternalIP" || address.type == "ExternalIP") {
        if (std::string problem = CheckIp(address.address, &address.address); !problem.empty()) {
          Invalid(path + ".address", problem);
        }
      }
      node.addresses.push_back(std::move(address));
    }
  }
  return node;
}

}  // namespace

Expected<model::Node> NormalizeNode(const json& object) {
  return Guarded([&] { return Normalize(object); });
}

}  // namespace kr::informer
