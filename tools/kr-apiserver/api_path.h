// Splits a request path into what it names: a discovery document, a collection or an object
// of a served type (optionally a subresource), in the URL layouts kube-apiserver accepts:
//   /api/v1/<plural>[/<name>[/status]]
//   /api/v1/namespaces/<ns>/<plural>[/<name>[/status]]
//   /apis/<group>/<version>/...                (same shapes)
//   /api/v1/watch/...                          (legacy watch prefix)
#pragma once

#include <optional>
#include <string>

#include "tools/kr-apiserver/resources.h"

namespace kr::apiserver {

struct ApiPath {
  enum class Target {
    kVersion,       // /version
    kCoreVersions,  // /api
    kGroupList,     // /apis
    kGroup,         // /apis/<group>
    kResourceList,  // /api/v1, /apis/<group>/<version>
    kCollection,    // .../<plural>
    kObject,        // .../<plural>/<name>
    kNotFound,
  };
  Target target = Target::kNotFound;
  std::string group;
  std::string version;
  const ResourceType* type = nullptr;
  std::string ns;  // empty for cluster-scoped types and all-namespace collections
  std::string name;
  std::string subresource;  // "status", "scale" or empty
  bool legacy_watch = false;
};

ApiPath ParseApiPath(const std::string& path);

}  // namespace kr::apiserver
