#include "services/proxyd/dsr_networking.h"

namespace kr::proxyd {

Status KernelDsrNetworking::Sync(const DsrWanted& wanted, bool full) {
  Status pods = tunnels_.Sync(wanted.pod_tunnels, full);
  Status routing = routing_.Sync(wanted.marks, full);
  return pods ? routing : pods;
}

Status KernelDsrNetworking::Cleanup() {
  Status pods = tunnels_.Cleanup();
  Status routing = routing_.Cleanup();
  return pods ? routing : pods;
}

}  // namespace kr::proxyd
