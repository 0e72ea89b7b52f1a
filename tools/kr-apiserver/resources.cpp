#include "tools/kr-apiserver/resources.h"

namespace kr::apiserver {

namespace {

using Rule = ResourceType::NameRule;

std::vector<ResourceType> BuildTable() {
  // Short names, scopes, status subresources and generation tracking follow kube-apiserver
  // v1.32's discovery and registries.
  // clang-format off
  return {
      // group, version, plural, singular, kind, namespaced, shortNames, status, generation, name rule
      {"", "v1", "namespaces", "namespace", "Namespace", false, {"ns"}, true, false, Rule::kLabel},
      {"", "v1", "nodes", "node", "Node", false, {"no"}, true, false, Rule::kSubdomain},
      {"", "v1", "pods", "pod", "Pod", true, {"po"}, true, false, Rule::kSubdomain},
      {"", "v1", "services", "service", "Service", true, {"svc"}, true, false, Rule::kDns1035Label},
      {"", "v1", "endpoints", "endpoints", "Endpoints", true, {"ep"}, false, false, Rule::kSubdomain},
      {"", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, {"sa"}, false, false, Rule::kSubdomain},
      {"", "v1", "configmaps", "configmap", "ConfigMap", true, {"cm"}, false, false, Rule::kSubdomain},
      {"discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", true, {}, false, true, Rule::kSubdomain},
      {"networking.k8s.io", "v1", "networkpolicies", "networkpolicy", "NetworkPolicy", true, {"netpol"}, false, true, Rule::kSubdomain},
      {"apps", "v1", "deployments", "deployment", "Deployment", true, {"deploy"}, true, true, Rule::kSubdomain},
      {"apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, {"ds"}, true, true, Rule::kSubdomain},
      {"rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", "ClusterRole", false, {}, false, false, Rule::kPathSegment},
      {"rbac.authorization.k8s.io", "v1", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false, {}, false, false, Rule::kPathSegment},
  };
  // clang-format on
}

}  // namespace

const std::vector<ResourceType>& AllResourceTypes() {
  static const std::vector<ResourceType> table = BuildTable();
  return table;
}

const ResourceType* FindResourceType(std::string_view group, std::string_view version,
                                     std::string_view plural) {
  for (const auto& type : AllResourceTypes()) {
    if (type.group == group && type.version == version && type.plural == plural) return &type;
  }
  return nullptr;
}

std::vector<GroupVersion> AllGroupVersions() {
  std::vector<GroupVersion> out;
  for (const auto& type : AllResourceTypes()) {
    bool seen = false;
    for (const auto& gv : out)
      seen = seen || (gv.group == type.group && gv.version == type.version);
    if (!seen) out.push_back({type.group, type.version});
  }
  return out;
}

}  // namespace kr::apiserver
