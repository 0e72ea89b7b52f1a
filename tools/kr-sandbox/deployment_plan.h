// What the sandbox controller does for a Deployment, as pure functions: the pods to create
// (named <deployment>-<template hash>-<suffix> like ReplicaSet pods) and to delete so that
// exactly spec.replicas pods of the current template exist, their node, and the status to
// report. A template change replaces every pod at once (no rolling update).
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace kr::sandbox {

using Json = nlohmann::json;

// The label real Deployments put on their pods, with the template hash.
inline constexpr const char* kTemplateHashLabel = "pod-template-hash";

// Spreads pods over nodes: the node with the fewest pods, ties taken in turn (round robin).
class PodScheduler {
 public:
  // `nodes` in a stable order; `pods` counts per spec.nodeName.
  PodScheduler(std::vector<std::string> nodes, const std::map<std::string, Json>& pods);
  // nullopt when there is no node.
  std::optional<std::string> Pick();

 private:
  std::vector<std::string> nodes_;
  std::map<std::string, int> load_;
  size_t next_ = 0;
};

// A short, name-safe hash of a pod template (stable across runs).
std::string TemplateHash(const Json& pod_template);

bool PodIsReady(const Json& pod);

// Whether the pod names `owner_uid` as its controller.
bool PodIsOwnedBy(const Json& pod, const std::string& owner_uid);

struct DeploymentPlan {
  std::vector<Json> create;               // complete Pod objects
  std::vector<std::string> delete_names;  // pods of the deployment's namespace
  Json status;                            // the deployment's desired .status
};

// `owned` are the pods that name the deployment as controller. `suffix` makes the random
// last part of a new pod's name.
DeploymentPlan PlanDeployment(const Json& deployment, const std::vector<Json>& owned,
                              PodScheduler& scheduler, const std::function<std::string()>& suffix);

// Five characters from the alphabet Kubernetes uses for generated names.
std::string RandomNameSuffix();

}  // namespace kr::sandbox
