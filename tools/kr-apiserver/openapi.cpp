#include "tools/kr-apiserver/openapi.h"

#include "tools/kr-apiserver/resources.h"

namespace kr::apiserver {

namespace {

using nlohmann::json;

std::string GroupVersionPath(const std::string& group, const std::string& version) {
  return group.empty() ? "api/" + version : "apis/" + group + "/" + version;
}

}  // namespace

json OpenApiV3Root() {
  json paths = json::object();
  for (const auto& gv : AllGroupVersions()) {
    std::string path = GroupVersionPath(gv.group, gv.version);
    // The hash only has to change when the document does; it never does within a build.
    paths[path] = {{"serverRelativeURL", "/openapi/v3/" + path + "?hash=" KR_VERSION}};
  }
  return {{"paths", paths}};
}

std::optional<json> OpenApiV3GroupVersion(const std::string& path) {
  json paths = json::object();
  for (const auto& type : AllResourceTypes()) {
    if (GroupVersionPath(type.group, type.version) != path) continue;
    std::string object_path =
        "/" + path + (type.namespaced ? "/namespaces/{namespace}/" : "/") + type.plural + "/{name}";
    json gvk = {{"group", type.group}, {"version", type.version}, {"kind", type.kind}};
    json parameters = json::array({
        {{"name", "fieldValidation"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
        {{"name", "fieldManager"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
        {{"name", "dryRun"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
    });
    json operation = {{"x-kubernetes-group-version-kind", gvk},
                      {"x-kubernetes-action", "patch"},
                      {"parameters", parameters},
                      {"responses", {{"200", {{"description", "OK"}}}}}};
    paths[object_path] = {{"patch", operation}};
  }
  if (paths.empty()) return std::nullopt;
  return json{{"openapi", "3.0.0"},
              {"info", {{"title", "Kubernetes (kr-apiserver)"}, {"version", "v1.32.0"}}},
              {"paths", paths}};
}

}  // namespace kr::apiserver
