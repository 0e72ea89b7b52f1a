#include "common/flags/common_flags.h"

#include <unistd.h>

#include <array>

#include "common/log/log.h"

namespace kr::flags {

void CommonFlags::Register(FlagSet& fs) {
  fs.Int("v", &verbosity, "Log level for V logs.").Shorthand('v');
  fs.String("kubeconfig", &kubeconfig,
            "Path to kubeconfig file with authorization information (the master location is "
            "set by the master flag).");
  fs.String("master", &master,
            "The address of the Kubernetes API server (overrides any value in kubeconfig).");
  fs.String("hostname-override", &hostname_override,
            "Overrides the NodeName of the node. Set this if the daemon is unable to determine "
            "your NodeName automatically.");
  fs.Bool("cleanup-config", &cleanup_config,
          "Remove the kernel configuration this daemon owns (and nothing else), then exit.");
  fs.Uint16("health-port", &health_port, "Health check port, 0 = Disabled.");
  fs.Uint16("metrics-port", &metrics_port, "Prometheus metrics port, 0 = Disabled.");
  fs.Ip("metrics-addr", &metrics_addr,
        "Prometheus metrics IP address to listen on; empty = all interfaces.");
  fs.String("metrics-path", &metrics_path, "Prometheus metrics path.");
  fs.String("bus-dir", &bus_dir,
            "Directory of the state bus ipc sockets (shared by the pod's "
            "containers).");
  fs.Bool("dry-run", &dry_run, "Log the kernel changes this daemon would make, make none.");

  fs.AfterParse([this]() -> Status {
    if (verbosity < 0) {
      return Error{0, "invalid argument \"" + std::to_string(verbosity) +
                          "\" for \"-v, --v\" flag: must be 0 or more"};
    }
    kr::log::SetVerbosity(verbosity);
    return Status::Ok();
  });
}

std::string CommonFlags::NodeName() const {
  if (!hostname_override.empty()) return hostname_override;
  std::array<char, 256> name{};
  if (gethostname(name.data(), name.size() - 1) != 0) return "";
  return name.data();
}

}  // namespace kr::flags
