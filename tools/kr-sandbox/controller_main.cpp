// kr-sandbox-controller: the sandbox cluster's controller manager and scheduler (node pod
// CIDRs, Deployments -> Pods on nodes, Services -> EndpointSlices; see sandbox_controller.h).
//
//   apiserver --(list + watch: nodes, pods, deployments, services, our slices)--> ObjectStore
//   ObjectStore --(change)--> SandboxController::Reconcile --(writes)--> apiserver

#include "common/flags/flag_set.h"
#include "common/log/log.h"
#include "common/runtime/shutdown_signals.h"
#include "tools/kr-sandbox/deployment_plan.h"
#include "tools/kr-sandbox/sandbox_controller.h"

int main(int argc, char** argv) {
  kr::ShutdownSignals signals;

  std::string kubeconfig, master;
  int verbosity = 0;
  kr::sandbox::ControllerOptions options;
  kr::flags::FlagSet flags("kr-sandbox-controller",
                           "Sandbox controller: allocates node pod CIDRs, expands Deployments "
                           "into Pods on nodes and keeps EndpointSlices for Services.");
  flags.String("kubeconfig", &kubeconfig, "Path to a kubeconfig file.");
  flags.String("master", &master, "The address of the Kubernetes API server.");
  flags.String("cluster-cidr", &options.cluster_cidr,
               "CIDR range from which node pod CIDRs are allocated.");
  flags.Int("node-cidr-mask-size", &options.node_cidr_mask_size,
            "Prefix length of each node's pod CIDR.");
  flags.Int("v", &verbosity, "Log level for V logs.").Shorthand('v');
  flags.ParseOrExit(argc, argv);
  kr::log::SetVerbosity(verbosity);

  auto connected = kr::sandbox::ConnectToApi(kubeconfig, master);
  if (!connected) {
    KR_LOG(ERROR) << connected.error().message;
    return 1;
  }
  const kr::kube::RestConfig& rest = connected->rest;
  kr::sandbox::ApiClient& api = *connected->client;

  std::vector<std::string> kinds;
  for (const auto& watch : kr::sandbox::SandboxController::Watches()) kinds.push_back(watch.kind);
  kr::sandbox::ObjectStore store(kinds);
  auto watchers =
      kr::sandbox::StoreWatchers::Start(rest, store, kr::sandbox::SandboxController::Watches());
  if (!watchers) {
    KR_LOG(ERROR) << watchers.error().message;
    return 1;
  }
  kr::sandbox::SandboxController controller(store, api, options, kr::sandbox::RandomNameSuffix);
  KR_LOG(INFO) << "kr-sandbox-controller " << KR_VERSION << " watching " << rest.server
               << ", cluster CIDR " << options.cluster_cidr;

  // The loop: reconcile on every change once all kinds are listed; retry failures after 1 s.
  std::jthread loop([&](std::stop_token stop) {
    bool retry = false;
    while (!stop.stop_requested()) {
      const bool changed = store.WaitForChange(std::chrono::milliseconds(1000), stop);
      if (stop.stop_requested()) break;
      if ((!changed && !retry) || !store.AllListed()) continue;
      retry = !controller.Reconcile();
    }
  });

  signals.token().Wait();
  KR_LOG(INFO) << "stopping";
  loop.request_stop();
  loop.join();
  watchers->reset();
  return 0;
}
