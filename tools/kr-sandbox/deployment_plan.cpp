#include "tools/kr-sandbox/deployment_plan.h"

#include <algorithm>
#include <cstdint>
#include <random>

namespace kr::sandbox {
namespace {

// Kubernetes' alphabet for generated names: no vowels (no words), no confusable characters.
constexpr std::string_view kNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

std::string Str(const Json& object, const char* pointer) {
  return object.value(Json::json_pointer(pointer), std::string());
}

}  // namespace

PodScheduler::PodScheduler(std::vector<std::string> nodes, const std::map<std::string, Json>& pods)
    : nodes_(std::move(nodes)) {
  for (const auto& node : nodes_) load_[node] = 0;
  for (const auto& [key, pod] : pods) {
    auto it = load_.find(Str(pod, "/spec/nodeName"));
    if (it != load_.end()) ++it->second;
  }
}

std::optional<std::string> PodScheduler::Pick() {
  if (nodes_.empty()) return std::nullopt;
  size_t best = next_ % nodes_.size();
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const size_t candidate = (next_ + i) % nodes_.size();
    if (load_[nodes_[candidate]] < load_[nodes_[best]]) best = candidate;
  }
  next_ = best + 1;
  ++load_[nodes_[best]];
  return nodes_[best];
}

std::string TemplateHash(const Json& pod_template) {
  uint32_t hash = 2166136261u;  // FNV-1a
  for (unsigned char c : pod_template.dump()) {
    hash ^= c;
    hash *= 16777619u;
  }
  std::string out;
  for (char digit : std::to_string(hash)) out += kNameAlphabet[digit % kNameAlphabet.size()];
  return out;
}

bool PodIsReady(const Json& pod) {
  const Json conditions = pod.value("/status/conditions"_json_pointer, Json::array());
  for (const Json& condition : conditions) {
    if (condition.value("type", "") == "Ready") return condition.value("status", "") == "True";
  }
  return false;
}

bool PodIsOwnedBy(const Json& pod, const std::string& owner_uid) {
  const Json owners = pod.value("/metadata/ownerReferences"_json_pointer, Json::array());
  for (const Json& owner : owners) {
    if (owner.value("uid", "") == owner_uid && owner.value("controller", false)) return true;
  }
  return false;
}

DeploymentPlan PlanDeployment(const Json& deployment, const std::vector<Json>& owned,
                              PodScheduler& scheduler, const std::function<std::string()>& suffix) {
  DeploymentPlan plan;
  const std::string name = Str(deployment, "/metadata/name");
  const std::string ns = Str(deployment, "/metadata/namespace");
  const Json pod_template = deployment.value("/spec/template"_json_pointer, Json::object());
  const std::string hash = TemplateHash(pod_template);
  const int replicas = deployment.value("/spec/replicas"_json_pointer, 1);

  std::vector<const Json*> current;
  int ready = 0;
  for (const Json& pod : owned) {
    const bool is_current = Str(pod, "/metadata/labels/pod-template-hash") == hash;
    if (is_current) {
      current.push_back(&pod);
    } else {
      plan.delete_names.push_back(Str(pod, "/metadata/name"));
    }
    if (PodIsReady(pod)) ++ready;
  }

  if (static_cast<int>(current.size()) > replicas) {
    // Remove the least useful first: unscheduled, not ready, then the newest.
    std::sort(current.begin(), current.end(), [](const Json* a, const Json* b) {
      const bool a_scheduled = !Str(*a, "/spec/nodeName").empty();
      const bool b_scheduled = !Str(*b, "/spec/nodeName").empty();
      if (a_scheduled != b_scheduled) return !a_scheduled;
      if (PodIsReady(*a) != PodIsReady(*b)) return !PodIsReady(*a);
      const std::string a_time = Str(*a, "/metadata/creationTimestamp");
      const std::string b_time = Str(*b, "/metadata/creationTimestamp");
      if (a_time != b_time) return a_time > b_time;
      return Str(*a, "/metadata/name") > Str(*b, "/metadata/name");
    });
    for (size_t i = 0; i < current.size() - static_cast<size_t>(replicas); ++i)
      plan.delete_names.push_back(Str(*current[i], "/metadata/name"));
  }

  for (int i = static_cast<int>(current.size()); i < replicas; ++i) {
    Json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}};
    Json metadata = pod_template.value("metadata", Json::object());
    metadata.erase("name");
    metadata["name"] = name + "-" + hash + "-" + suffix();
    metadata["namespace"] = ns;
    metadata["labels"][kTemplateHashLabel] = hash;
    metadata["ownerReferences"] = Json::array({{{"apiVersion", "apps/v1"},
                                                {"kind", "Deployment"},
                                                {"name", name},
                                                {"uid", Str(deployment, "/metadata/uid")},
                                                {"controller", true},
                                                {"blockOwnerDeletion", true}}});
    pod["metadata"] = std::move(metadata);
    pod["spec"] = pod_template.value("spec", Json::object());
    if (auto node = scheduler.Pick()) pod["spec"]["nodeName"] = *node;
    plan.create.push_back(std::move(pod));
  }

  const int total = static_cast<int>(owned.size());
  plan.status = {{"observedGeneration", deployment.value("/metadata/generation"_json_pointer, 1)},
                 {"replicas", total},
                 {"updatedReplicas", static_cast<int>(current.size())},
                 {"readyReplicas", ready},
                 {"availableReplicas", ready}};
  if (total > ready) plan.status["unavailableReplicas"] = total - ready;
  return plan;
}

std::string RandomNameSuffix() {
  static thread_local std::mt19937 random{std::random_device{}()};
  std::uniform_int_distribution<size_t> pick(0, kNameAlphabet.size() - 1);
  std::string out;
  for (int i = 0; i < 5; ++i) out += kNameAlphabet[pick(random)];
  return out;
}

}  // namespace kr::sandbox
