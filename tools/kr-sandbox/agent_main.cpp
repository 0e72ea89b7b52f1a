// kr-sandbox-agent: a minimal kubelet for one sandbox node (see node_agent.h). It runs in the
// node's network namespace (--node-netns enters it first), so the CNI bridge plugin builds
// kube-bridge and the pods' veths there.
//
//   apiserver --(watch: own Node, Pods on the node)--> ObjectStore
//   ObjectStore --(change)--> NodeAgent::Reconcile --(netns, CNI, echo server)--> kernel
//   NodeAgent --(pod status, node registration)--> apiserver
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "common/flags/flag_set.h"
#include "common/log/log.h"
#include "common/runtime/shutdown_signals.h"
#include "tools/kr-sandbox/node_agent.h"

namespace {

// Before any thread starts: threads made later inherit the namespace.
bool EnterNetns(const std::string& name) {
  const std::string path = "/run/netns/" + name;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
    KR_LOG(ERROR) << "entering network namespace " << path << ": " << std::strerror(errno);
    if (fd >= 0) close(fd);
    return false;
  }
  close(fd);
  return true;
}

std::vector<std::string> SplitList(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find_first_of(":,", start);
    if (end == std::string::npos) end = list.size();
    if (end > start) out.push_back(list.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string node_netns;
  for (int i = 1; i < argc; ++i) {  // read ahead of the FlagSet: entered before any thread
    const std::string arg = argv[i];
    if (arg.rfind("--node-netns=", 0) == 0) node_netns = arg.substr(13);
    if (arg == "--node-netns" && i + 1 < argc) node_netns = argv[i + 1];
  }
  if (!node_netns.empty() && !EnterNetns(node_netns)) return 1;
  kr::ShutdownSignals signals;

  std::string kubeconfig, master, cni_bin_dir = "/usr/lib/cni:/opt/cni/bin", cni_data_dir;
  int verbosity = 0;
  kr::sandbox::AgentOptions options;
  if (const char* env = std::getenv("KUBE_ROUTER_CNI_CONF_FILE"); env && *env)
    options.cni_conf_file = env;
  kr::sandbox::PodRuntimeOptions runtime_options;
  runtime_options.echo_binary =
      (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "kr-sandbox-echo").string();

  kr::flags::FlagSet flags("kr-sandbox-agent",
                           "Sandbox node agent: registers the node and runs its pods as network "
                           "namespaces through the CNI plugins, with an echo server in each.");
  flags.String("node", &options.node_name, "Name of this node (required).");
  flags.String("node-ip", &options.node_ip, "The node's InternalIP (required).");
  flags.String("node-netns", &node_netns,
               "Network namespace (/run/netns/`name`) to run in; empty: the current one.");
  flags.String("kubeconfig", &kubeconfig, "Path to a kubeconfig file.");
  flags.String("master", &master, "The address of the Kubernetes API server.");
  flags.String("cni-conf", &options.cni_conf_file,
               "CNI network config the pods are added with (default: $KUBE_ROUTER_CNI_CONF_FILE "
               "or routed's file).");
  flags.Bool("write-cni-conf", &options.write_cni_conf,
             "Write --cni-conf from the node's pod CIDR (standing in for kr-routed).");
  flags.String("cni-bin-dir", &cni_bin_dir, "Directories of the CNI plugins, ':'-separated.");
  flags.String("cni-data-dir", &cni_data_dir,
               "host-local IPAM state directory for this node (default: the config's).");
  flags.String("netns-prefix", &runtime_options.netns_prefix,
               "Prefix of the pods' network namespace names.");
  flags.String("echo-binary", &runtime_options.echo_binary, "The pods' echo server program.");
  flags.Int("v", &verbosity, "Log level for V logs.").Shorthand('v');
  flags.ParseOrExit(argc, argv);
  kr::log::SetVerbosity(verbosity);
  if (options.node_name.empty() || options.node_ip.empty()) {
    KR_LOG(ERROR) << "--node and --node-ip are required";
    return 2;
  }

  auto connected = kr::sandbox::ConnectToApi(kubeconfig, master);
  if (!connected) {
    KR_LOG(ERROR) << connected.error().message;
    return 1;
  }
  const kr::kube::RestConfig& rest = connected->rest;
  kr::sandbox::ApiClient& api = *connected->client;

  kr::sandbox::CniInvoker cni(SplitList(cni_bin_dir), cni_data_dir);
  kr::sandbox::PodRuntime runtime(cni, runtime_options);
  kr::sandbox::ObjectStore store({"Node", "Pod"});
  kr::sandbox::NodeAgent agent(store, api, runtime, options);

  // Registration first: the controller allocates the pod CIDR once the Node exists.
  for (int attempt = 0;; ++attempt) {
    kr::Status registered = agent.RegisterNode();
    if (registered.ok()) break;
    if (attempt % 20 == 0)
      KR_LOG(WARNING) << "registering the node: " << registered.error().message;
    if (signals.token().WaitFor(std::chrono::milliseconds(250))) return 0;
  }
  KR_LOG(INFO) << "kr-sandbox-agent " << KR_VERSION << ": node " << options.node_name << " ("
               << options.node_ip << ") registered with " << rest.server;

  auto watchers = kr::sandbox::StoreWatchers::Start(
      rest, store, kr::sandbox::NodeAgent::Watches(options.node_name));
  if (!watchers) {
    KR_LOG(ERROR) << watchers.error().message;
    return 1;
  }
  std::jthread loop([&](std::stop_token stop) {
    bool retry = false;
    while (!stop.stop_requested()) {
      const bool changed = store.WaitForChange(std::chrono::milliseconds(1000), stop);
      if (stop.stop_requested()) break;
      if ((!changed && !retry) || !store.AllListed()) continue;
      retry = !agent.Reconcile();
    }
    // Here, on the thread that started the pods: their echo servers die with it (PDEATHSIG).
    KR_LOG(INFO) << "stopping: tearing down " << agent.running_pods() << " pods";
    agent.StopAll();
  });

  signals.token().Wait();
  loop.request_stop();
  loop.join();
  watchers->reset();
  return 0;
}
