#include "tools/kr-sandbox/sandbox_controller.h"

#include <set>

#include "common/log/log.h"
#include "tools/kr-sandbox/deployment_plan.h"
#include "tools/kr-sandbox/endpoint_slices.h"
#include "tools/kr-sandbox/pod_cidrs.h"

namespace kr::sandbox {
namespace {

std::string Str(const Json& object, const char* pointer) {
  return object.value(Json::json_pointer(pointer), std::string());
}

std::vector<std::string> NodeNames(const std::map<std::string, Json>& nodes) {
  std::vector<std::string> names;
  for (const auto& [key, node] : nodes) names.push_back(key);  // keys are names: sorted
  return names;
}

}  // namespace

const std::vector<StoreWatchers::Watch>& SandboxController::Watches() {
  static const std::vector<StoreWatchers::Watch> watches = {
      {"Node", "/api/v1/nodes"},
      {"Pod", "/api/v1/pods"},
      {"Deployment", "/apis/apps/v1/deployments"},
      {"Service", "/api/v1/services"},
      {"EndpointSlice", std::string("/apis/discovery.k8s.io/v1/endpointslices?labelSelector=") +
                            kManagedByLabel + "%3D" + kManagedByValue},
  };
  return watches;
}

SandboxController::SandboxController(ObjectStore& store, ApiClient& api, ControllerOptions options,
                                     std::function<std::string()> name_suffix)
    : store_(store),
      api_(api),
      options_(std::move(options)),
      name_suffix_(std::move(name_suffix)) {}

bool SandboxController::Reconcile() {
  bool ok = AllocatePodCidrs();
  ok = SyncDeployments() && ok;
  ok = ScheduleUnscheduledPods() && ok;
  ok = SyncEndpointSlices() && ok;
  return ok;
}

bool SandboxController::AllocatePodCidrs() {
  bool ok = true;
  const auto nodes = store_.List("Node");
  std::set<std::string> used;
  for (const auto& [name, node] : nodes) {
    for (const Json& cidr : node.value("/spec/podCIDRs"_json_pointer, Json::array())) {
      if (cidr.is_string()) used.insert(cidr.get<std::string>());
    }
    if (!Str(node, "/spec/podCIDR").empty()) used.insert(Str(node, "/spec/podCIDR"));
  }
  for (const auto& [name, node] : nodes) {
    if (!Str(node, "/spec/podCIDR").empty()) continue;
    auto cidr = NextPodCidr(options_.cluster_cidr, options_.node_cidr_mask_size, used);
    if (!cidr) {
      KR_LOG(ERROR) << "node " << name << ": " << cidr.error().message;
      ok = false;
      continue;
    }
    auto patched = api_.MergePatch(ObjectPath("Node", "", name),
                                   {{"spec", {{"podCIDR", *cidr}, {"podCIDRs", {*cidr}}}}});
    if (!patched) {
      KR_LOG(ERROR) << "node " << name << ": " << patched.error().message;
      ok = false;
      continue;
    }
    used.insert(*cidr);
    store_.WriteThrough("Node", *patched);
    KR_LOG(INFO) << "node " << name << ": pod CIDR " << *cidr;
  }
  return ok;
}

bool SandboxController::SyncDeployments() {
  bool ok = true;
  const auto deployments = store_.List("Deployment");
  const auto pods = store_.List("Pod");
  PodScheduler scheduler(NodeNames(store_.List("Node")), pods);

  std::set<std::string> deployment_uids;
  for (const auto& [key, deployment] : deployments) {
    const std::string uid = Str(deployment, "/metadata/uid");
    const std::string ns = Str(deployment, "/metadata/namespace");
    deployment_uids.insert(uid);
    std::vector<Json> owned;
    for (const auto& [pod_key, pod] : pods) {
      if (Str(pod, "/metadata/namespace") == ns && PodIsOwnedBy(pod, uid)) owned.push_back(pod);
    }
    DeploymentPlan plan = PlanDeployment(deployment, owned, scheduler, name_suffix_);
    for (const std::string& name : plan.delete_names) {
      if (Status deleted = api_.Delete(ObjectPath("Pod", ns, name)); !deleted.ok()) {
        if (deleted.error().code == ENOENT) continue;
        KR_LOG(ERROR) << "deployment " << key << ": " << deleted.error().message;
        ok = false;
        continue;
      }
      store_.ForgetDeleted("Pod", ns + "/" + name);
      KR_LOG(INFO) << "deployment " << key << ": deleted pod " << name;
    }
    for (const Json& pod : plan.create) {
      auto created = api_.Post(CollectionPath("Pod", ns), pod);
      if (!created) {
        KR_LOG(ERROR) << "deployment " << key << ": " << created.error().message;
        ok = false;
        continue;
      }
      store_.WriteThrough("Pod", *created);
      KR_LOG(INFO) << "deployment " << key << ": created pod " << Str(*created, "/metadata/name")
                   << " on " << Str(*created, "/spec/nodeName");
    }
    Json status = deployment.value("status", Json::object());
    Json wanted = status;
    wanted.erase("unavailableReplicas");
    wanted.update(plan.status);
    if (wanted != status) {
      Json patch = {{"status", plan.status}};
      if (!plan.status.contains("unavailableReplicas"))
        patch["status"]["unavailableReplicas"] = nullptr;
      auto patched = api_.MergePatch(
          ObjectPath("Deployment", ns, Str(deployment, "/metadata/name")) + "/status", patch);
      if (!patched) {
        KR_LOG(ERROR) << "deployment " << key << ": " << patched.error().message;
        ok = false;
      } else {
        store_.WriteThrough("Deployment", *patched);
      }
    }
  }

  // Garbage collection: pods whose controlling deployment no longer exists.
  for (const auto& [pod_key, pod] : store_.List("Pod")) {
    for (const Json& owner : pod.value("/metadata/ownerReferences"_json_pointer, Json::array())) {
      if (owner.value("kind", "") != "Deployment" || !owner.value("controller", false)) continue;
      if (deployment_uids.contains(owner.value("uid", ""))) continue;
      const std::string ns = Str(pod, "/metadata/namespace");
      Status deleted = api_.Delete(ObjectPath("Pod", ns, Str(pod, "/metadata/name")));
      if (!deleted.ok() && deleted.error().code != ENOENT) {
        KR_LOG(ERROR) << "pod " << pod_key << ": " << deleted.error().message;
        ok = false;
        continue;
      }
      store_.ForgetDeleted("Pod", pod_key);
      KR_LOG(INFO) << "pod " << pod_key << ": deployment gone, deleted";
    }
  }
  return ok;
}

bool SandboxController::ScheduleUnscheduledPods() {
  bool ok = true;
  const auto pods = store_.List("Pod");
  PodScheduler scheduler(NodeNames(store_.List("Node")), pods);
  for (const auto& [key, pod] : pods) {
    if (!Str(pod, "/spec/nodeName").empty()) continue;
    auto node = scheduler.Pick();
    if (!node) return ok;  // no node yet: the pods stay Pending
    auto patched = api_.MergePatch(
        ObjectPath("Pod", Str(pod, "/metadata/namespace"), Str(pod, "/metadata/name")),
        {{"spec", {{"nodeName", *node}}}});
    if (!patched) {
      KR_LOG(ERROR) << "pod " << key << ": " << patched.error().message;
      ok = false;
      continue;
    }
    store_.WriteThrough("Pod", *patched);
    KR_LOG(INFO) << "pod " << key << ": scheduled to " << *node;
  }
  return ok;
}

bool SandboxController::SyncEndpointSlices() {
  bool ok = true;
  const auto services = store_.List("Service");
  const auto pods = store_.List("Pod");
  auto existing = store_.List("EndpointSlice");

  std::map<std::string, std::vector<Json>> pods_by_namespace;
  for (const auto& [key, pod] : pods)
    pods_by_namespace[Str(pod, "/metadata/namespace")].push_back(pod);

  std::set<std::string> wanted_keys;
  for (const auto& [service_key, service] : services) {
    if (!ServiceWantsSlices(service)) continue;
    const std::string ns = Str(service, "/metadata/namespace");
    for (Json& slice : DesiredEndpointSlices(service, pods_by_namespace[ns])) {
      const std::string name = Str(slice, "/metadata/name");
      const std::string key = ns + "/" + name;
      wanted_keys.insert(key);
      auto current = existing.find(key);
      Expected<Json> written = Json();
      if (current == existing.end()) {
        written = api_.Post(CollectionPath("EndpointSlice", ns), slice);
      } else if (SliceNeedsUpdate(current->second, slice)) {
        slice["metadata"]["resourceVersion"] = Str(current->second, "/metadata/resourceVersion");
        written = api_.Put(ObjectPath("EndpointSlice", ns, name), slice);
      } else {
        continue;
      }
      if (!written) {
        KR_LOG(ERROR) << "service " << service_key << ": " << written.error().message;
        ok = false;
        continue;
      }
      store_.WriteThrough("EndpointSlice", *written);
      KR_VLOG(1) << "service " << service_key << ": slice " << name << " has "
                 << slice["endpoints"].size() << " endpoints";
    }
  }
  for (const auto& [key, slice] : existing) {
    if (wanted_keys.contains(key)) continue;
    Status deleted = api_.Delete(ObjectPath("EndpointSlice", Str(slice, "/metadata/namespace"),
                                            Str(slice, "/metadata/name")));
    if (!deleted.ok() && deleted.error().code != ENOENT) {
      KR_LOG(ERROR) << "endpointslice " << key << ": " << deleted.error().message;
      ok = false;
      continue;
    }
    store_.ForgetDeleted("EndpointSlice", key);
  }
  return ok;
}

}  // namespace kr::sandbox
