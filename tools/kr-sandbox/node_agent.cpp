#include "tools/kr-sandbox/node_agent.h"

#include <fstream>
#include <sstream>

#include "common/cni/cni_config_file.h"
#include "common/log/log.h"

namespace kr::sandbox {
namespace {

std::string Str(const Json& object, const char* pointer) {
  return object.value(Json::json_pointer(pointer), std::string());
}

bool PodIsTerminal(const Json& pod) {
  const std::string phase = Str(pod, "/status/phase");
  return phase == "Succeeded" || phase == "Failed";
}

bool ReadyConditionTrue(const Json& pod) {
  for (const Json& condition : pod.value("/status/conditions"_json_pointer, Json::array())) {
    if (condition.value("type", "") == "Ready") return condition.value("status", "") == "True";
  }
  return false;
}

Json IpList(const std::vector<std::string>& ips) {
  Json list = Json::array();
  for (const auto& ip : ips) list.push_back({{"ip", ip}});
  return list;
}

}  // namespace

std::vector<StoreWatchers::Watch> NodeAgent::Watches(const std::string& node_name) {
  return {{"Node", "/api/v1/nodes?fieldSelector=metadata.name%3D" + node_name},
          {"Pod", "/api/v1/pods?fieldSelector=spec.nodeName%3D" + node_name}};
}

NodeAgent::NodeAgent(ObjectStore& store, ApiClient& api, PodRuntime& runtime, AgentOptions options)
    : store_(store), api_(api), runtime_(runtime), options_(std::move(options)) {}

Status NodeAgent::RegisterNode() {
  const Json status = {{"addresses",
                        {{{"type", "InternalIP"}, {"address", options_.node_ip}},
                         {{"type", "Hostname"}, {"address", options_.node_name}}}},
                       {"conditions",
                        {{{"type", "Ready"},
                          {"status", "True"},
                          {"reason", "KubeletReady"},
                          {"message", "kr-sandbox-agent is posting ready status"}}}},
                       {"nodeInfo",
                        {{"kubeletVersion", "kr-sandbox-" KR_VERSION},
                         {"operatingSystem", "linux"},
                         {"architecture", "amd64"}}}};
  const Json node = {
      {"apiVersion", "v1"},
      {"kind", "Node"},
      {"metadata",
       {{"name", options_.node_name},
        {"labels",
         {{"kubernetes.io/hostname", options_.node_name}, {"kubernetes.io/os", "linux"}}}}},
      {"status", status}};
  auto created = api_.Post(CollectionPath("Node", ""), node);
  if (created) return Status::Ok();
  if (created.error().code != EEXIST) return created.error();
  auto patched =
      api_.MergePatch(ObjectPath("Node", "", options_.node_name) + "/status", {{"status", status}});
  if (!patched) return patched.error();
  return Status::Ok();
}

bool NodeAgent::WriteCniConfig() {
  const auto nodes = store_.List("Node");
  auto node = nodes.find(options_.node_name);
  if (node == nodes.end()) return true;
  cni::BridgeConfigSettings settings;
  for (const Json& cidr : node->second.value("/spec/podCIDRs"_json_pointer, Json::array())) {
    if (cidr.is_string()) settings.pod_cidrs.push_back(cidr.get<std::string>());
  }
  if (settings.pod_cidrs.empty() && !Str(node->second, "/spec/podCIDR").empty())
    settings.pod_cidrs.push_back(Str(node->second, "/spec/podCIDR"));
  if (settings.pod_cidrs.empty()) return true;  // not allocated yet: pods wait
  auto written = cni::UpdateBridgeConfigFile(options_.cni_conf_file, settings);
  if (!written) {
    KR_LOG(ERROR) << written.error().message;
    return false;
  }
  if (*written) KR_LOG(INFO) << "wrote " << options_.cni_conf_file;
  return true;
}

bool NodeAgent::ReportStatus(const Json& pod, const RunningPod& running) {
  const std::string pod_ip = running.ips.empty() ? "" : running.ips.front();
  if (Str(pod, "/status/phase") == "Running" && Str(pod, "/status/podIP") == pod_ip &&
      ReadyConditionTrue(pod)) {
    return true;
  }
  Json conditions = Json::array();
  for (const char* type :
       {"PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"}) {
    conditions.push_back(
        {{"type", type}, {"status", "True"}, {"lastTransitionTime", running.started_at}});
  }
  Json container_statuses = Json::array();
  for (const Json& container : pod.value("/spec/containers"_json_pointer, Json::array())) {
    container_statuses.push_back({{"name", container.value("name", "")},
                                  {"image", container.value("image", "")},
                                  {"imageID", ""},
                                  {"containerID", "kr-sandbox://" + running.netns},
                                  {"ready", true},
                                  {"started", true},
                                  {"restartCount", 0},
                                  {"state", {{"running", {{"startedAt", running.started_at}}}}}});
  }
  const Json patch = {{"status",
                       {{"phase", "Running"},
                        {"hostIP", options_.node_ip},
                        {"hostIPs", IpList({options_.node_ip})},
                        {"podIP", pod_ip},
                        {"podIPs", IpList(running.ips)},
                        {"startTime", running.started_at},
                        {"conditions", conditions},
                        {"containerStatuses", container_statuses}}}};
  auto patched = api_.MergePatch(
      ObjectPath("Pod", Str(pod, "/metadata/namespace"), Str(pod, "/metadata/name")) + "/status",
      patch);
  if (!patched) {
    KR_LOG(ERROR) << running.key << ": status: " << patched.error().message;
    return false;
  }
  store_.WriteThrough("Pod", *patched);
  KR_LOG(INFO) << running.key << ": running, IP " << pod_ip;
  return true;
}

bool NodeAgent::Reconcile() {
  bool ok = true;
  if (options_.write_cni_conf) ok = WriteCniConfig();

  std::map<std::string, Json> wanted;
  for (auto& [key, pod] : store_.List("Pod")) {
    if (Str(pod, "/spec/nodeName") == options_.node_name && !PodIsTerminal(pod))
      wanted.emplace(key, std::move(pod));
  }

  for (auto it = running_.begin(); it != running_.end();) {
    auto pod = wanted.find(it->first);
    if (pod != wanted.end() && Str(pod->second, "/metadata/uid") == it->second->uid) {
      ++it;
      continue;
    }
    if (Status stopped = runtime_.Stop(*it->second); !stopped.ok()) {
      KR_LOG(WARNING) << it->first << ": teardown: " << stopped.error().message;
    }
    KR_LOG(INFO) << it->first << ": stopped";
    it = running_.erase(it);
  }

  Json network;
  bool have_network = false;
  for (const auto& [key, pod] : wanted) {
    auto running = running_.find(key);
    if (running == running_.end()) {
      if (!have_network) {
        std::ifstream file(options_.cni_conf_file);
        std::stringstream text;
        text << file.rdbuf();
        network = Json::parse(text.str(), nullptr, false);
        if (!file || network.is_discarded()) {
          KR_LOG(WARNING) << "no usable CNI config in " << options_.cni_conf_file
                          << " yet: pods wait";
          return false;
        }
        have_network = true;
      }
      auto started = runtime_.Start(pod, network);
      if (!started) {
        KR_LOG(ERROR) << key << ": " << started.error().message;
        ok = false;
        continue;
      }
      running = running_.emplace(key, std::move(*started)).first;
    }
    ok = ReportStatus(pod, *running->second) && ok;
  }
  return ok;
}

void NodeAgent::StopAll() {
  for (auto& [key, running] : running_) {
    if (Status stopped = runtime_.Stop(*running); !stopped.ok())
      KR_LOG(WARNING) << key << ": teardown: " << stopped.error().message;
  }
  running_.clear();
}

}  // namespace kr::sandbox
