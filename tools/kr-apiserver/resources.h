// The resource types kr-apiserver serves, as a fixed table (what discovery advertises and what
// the router resolves URL segments against).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kr::apiserver {

struct ResourceType {
  std::string group;     // "" for the core group
  std::string version;   // "v1"
  std::string plural;    // "pods"
  std::string singular;  // "pod"
  std::string kind;      // "Pod"
  bool namespaced = true;
  std::vector<std::string> short_names;
  bool has_status = false;      // a /status subresource; the main PUT keeps the old status
  bool has_generation = false;  // metadata.generation tracks spec changes
  enum class NameRule {
    kSubdomain,
    kLabel,
    kDns1035Label,
    kPathSegment
  } name_rule = NameRule::kSubdomain;

  // A /scale subresource (autoscaling/v1 Scale over spec.replicas), as `kubectl scale` uses.
  bool HasScale() const { return group == "apps" && plural == "deployments"; }
  // "v1" or "apps/v1", as in an object's apiVersion field.
  std::string ApiVersion() const { return group.empty() ? version : group + "/" + version; }
  // "pods" or "deployments.apps", as in Status details and error messages.
  std::string QualifiedPlural() const { return group.empty() ? plural : plural + "." + group; }
};

// Every type served, in discovery order. Entries live for the program's lifetime.
const std::vector<ResourceType>& AllResourceTypes();

// The type for (group, version, plural), or nullptr.
const ResourceType* FindResourceType(std::string_view group, std::string_view version,
                                     std::string_view plural);

// The distinct group/versions, core ("", "v1") first.
struct GroupVersion {
  std::string group;
  std::string version;
};
std::vector<GroupVersion> AllGroupVersions();

}  // namespace kr::apiserver
