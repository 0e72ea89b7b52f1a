// kr-sandbox-controller's reconcile pass: the parts of kube-controller-manager and the
// scheduler a sandbox cluster needs.
//   - Nodes without spec.podCIDR get the next free block of the cluster CIDR.
//   - Deployments get exactly spec.replicas pods of their current template, spread over the
//     nodes; pods whose deployment is gone are deleted; status counts what exists.
//   - Pods without spec.nodeName are scheduled (same spreading).
//   - Services with a selector get EndpointSlices (endpoint_slices.h); slices we manage whose
//     service is gone are deleted.
// Each pass recomputes everything from the store (level-triggered: no event can be missed);
// at sandbox scale that is cheap. Writes go to the apiserver and through to the store.
//
// Threading: Reconcile is called from one thread (the controller's loop).
#pragma once

#include <functional>
#include <string>

#include "tools/kr-sandbox/api_client.h"
#include "tools/kr-sandbox/object_store.h"

namespace kr::sandbox {

struct ControllerOptions {
  std::string cluster_cidr = "10.244.0.0/16";
  int node_cidr_mask_size = 24;
};

class SandboxController {
 public:
  // The kinds the store must cache, in the order the reflectors start.
  static const std::vector<StoreWatchers::Watch>& Watches();

  SandboxController(ObjectStore& store, ApiClient& api, ControllerOptions options,
                    std::function<std::string()> name_suffix);

  // One pass. Returns false when a write failed (the caller retries after a pause).
  bool Reconcile();

 private:
  bool AllocatePodCidrs();
  bool SyncDeployments();
  bool ScheduleUnscheduledPods();
  bool SyncEndpointSlices();

  ObjectStore& store_;
  ApiClient& api_;
  const ControllerOptions options_;
  const std::function<std::string()> name_suffix_;
};

}  // namespace kr::sandbox
