#include "tools/kr-apiserver/discovery.h"

#include "tools/kr-apiserver/resources.h"

namespace kr::apiserver {

namespace {

using nlohmann::json;

json GroupJson(const std::string& group, const std::string& version) {
  json gv = {{"groupVersion", group + "/" + version}, {"version", version}};
  return {{"name", group}, {"versions", json::array({gv})}, {"preferredVersion", gv}};
}

// Types that `kubectl get all` lists.
bool InCategoryAll(const ResourceType& type) {
  return type.plural == "pods" || type.plural == "services" || type.plural == "deployments" ||
         type.plural == "daemonsets";
}

}  // namespace

json VersionInfo() {
  // Reports the minor version of the kubectl this server is checked against, so that
  // version-dispatching kubectl wrappers pick v1.32.
  return {{"major", "1"},
          {"minor", "32"},
          {"gitVersion", "v1.32.0+kr-apiserver-" KR_VERSION},
          {"gitCommit", "0000000000000000000000000000000000000000"},
          {"gitTreeState", "clean"},
          {"buildDate", "2026-01-01T00:00:00Z"},
          {"goVersion", "go1.23.0"},
          {"compiler", "gc"},
          {"platform", "linux/amd64"}};
}

json CoreApiVersions(const std::string& server_address) {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs",
           {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}}}};
}

json ApiGroupList() {
  json groups = json::array();
  for (const auto& gv : AllGroupVersions()) {
    if (!gv.group.empty()) groups.push_back(GroupJson(gv.group, gv.version));
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

std::optional<json> ApiGroup(const std::string& group) {
  for (const auto& gv : AllGroupVersions()) {
    if (!gv.group.empty() && gv.group == group) {
      json out = GroupJson(gv.group, gv.version);
      out["kind"] = "APIGroup";
      out["apiVersion"] = "v1";
      return out;
    }
  }
  return std::nullopt;
}

std::optional<json> ApiResourceList(const std::string& group, const std::string& version) {
  json resources = json::array();
  for (const auto& type : AllResourceTypes()) {
    if (type.group != group || type.version != version) continue;
    json entry = {
        {"name", type.plural},
        {"singularName", type.singular},
        {"namespaced", type.namespaced},
        {"kind", type.kind},
        {"verbs",
         {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}}};
    if (!type.short_names.empty()) entry["shortNames"] = type.short_names;
    if (InCategoryAll(type)) entry["categories"] = {"all"};
    resources.push_back(entry);
    if (type.has_status) {
      resources.push_back({{"name", type.plural + "/status"},
                           {"singularName", ""},
                           {"namespaced", type.namespaced},
                           {"kind", type.kind},
                           {"verbs", {"get", "patch", "update"}}});
    }
  }
  for (const auto& type : AllResourceTypes()) {
    if (type.group != group || type.version != version || !type.HasScale()) continue;
    resources.push_back({{"name", type.plural + "/scale"},
                         {"singularName", ""},
                         {"namespaced", type.namespaced},
                         {"group", "autoscaling"},
                         {"version", "v1"},
                         {"kind", "Scale"},
                         {"verbs", {"get", "patch", "update"}}});
  }
  if (resources.empty()) return std::nullopt;
  return json{{"kind", "APIResourceList"},
              {"apiVersion", "v1"},
              {"groupVersion", group.empty() ? version : group + "/" + version},
              {"resources", resources}};
}

}  // namespace kr::apiserver
