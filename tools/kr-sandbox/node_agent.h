// kr-sandbox-agent's logic: a minimal kubelet for one sandbox node.
//   - Registers the Node (InternalIP = --node-ip, Ready).
//   - Optionally stands in for routed: writes the node's CNI bridge config from its
//     spec.podCIDRs (common/cni UpdateBridgeConfigFile) when --write-cni-conf is given.
//   - Turns every Pod with spec.nodeName == node into a running pod (pod_runtime.h) with the
//     CNI config file as it is when the pod starts, reports status.podIP(s), phase Running and
//     the Ready condition, and tears it down when the pod is deleted (or replaced: new uid).
// Each pass compares the whole node's pods with what runs (level-triggered).
//
// Threading: Reconcile and StopAll are called from one thread (the agent's loop).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "tools/kr-sandbox/api_client.h"
#include "tools/kr-sandbox/object_store.h"
#include "tools/kr-sandbox/pod_runtime.h"

namespace kr::sandbox {

struct AgentOptions {
  std::string node_name;
  std::string node_ip;
  std::string cni_conf_file = "/etc/cni/net.d/10-kuberouter.conflist";
  bool write_cni_conf = false;
};

class NodeAgent {
 public:
  static std::vector<StoreWatchers::Watch> Watches(const std::string& node_name);

  NodeAgent(ObjectStore& store, ApiClient& api, PodRuntime& runtime, AgentOptions options);

  // Creates the Node, or updates its addresses and Ready condition when it exists.
  Status RegisterNode();
  // One pass. Returns false when something failed (the caller retries after a pause).
  bool Reconcile();
  // Tears down every running pod (on exit).
  void StopAll();

  size_t running_pods() const { return running_.size(); }

 private:
  bool WriteCniConfig();
  bool ReportStatus(const Json& pod, const RunningPod& running);

  ObjectStore& store_;
  ApiClient& api_;
  PodRuntime& runtime_;
  const AgentOptions options_;
  std::map<std::string, std::unique_ptr<RunningPod>> running_;  // by namespace/name
};

}  // namespace kr::sandbox
