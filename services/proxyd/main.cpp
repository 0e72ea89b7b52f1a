// kr-proxyd: the IPVS service proxy. Wires the modules together; see services/proxyd/core.
//
// Bus -> desired IPVS state -> diff against the kernel -> IPVS over generic netlink.
// (The proxy controller is being built; this binary so far starts, serves /healthz and
// /metrics, and stops on SIGTERM.)
#include "common/daemon/daemon_status.h"
#include "common/flags/common_flags.h"
#include "common/log/log.h"
#include "common/runtime/shutdown_signals.h"

int main(int argc, char** argv) {
  kr::ShutdownSignals signals;  // first: every later thread inherits the blocked signals

  kr::flags::CommonFlags common;
  common.health_port = 20242;
  kr::flags::FlagSet flags("kr-proxyd",
                           "IPVS service proxy: ClusterIP, NodePort, external and "
                           "LoadBalancer IPs from the kr-node bus.");
  common.Register(flags);
  flags.ParseOrExit(argc, argv);

  // Observability: /healthz and /metrics.
  kr::daemon::DaemonStatus status("proxyd", common);
  if (kr::Status started = status.Start(); !started.ok()) {
    KR_LOG(ERROR) << started.error().message;
    return 1;
  }
  KR_LOG(INFO) << "kr-proxyd " << KR_VERSION << " running";

  signals.token().Wait();
  KR_LOG(INFO) << "stopping";
  status.Stop();
  return 0;
}
