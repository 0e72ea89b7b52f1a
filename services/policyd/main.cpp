// kr-policyd: the NetworkPolicy firewall. Wires the modules together; see services/policyd/core.
//
// Bus -> compiled chains and sets -> diff against iptables-save / ipset -> restore.
// (The firewall controller is being built; this binary so far starts, serves /healthz and
// /metrics, and stops on SIGTERM.)
#include "common/daemon/daemon_status.h"
#include "common/flags/common_flags.h"
#include "common/log/log.h"
#include "common/runtime/shutdown_signals.h"

int main(int argc, char** argv) {
  kr::ShutdownSignals signals;  // first: every later thread inherits the blocked signals

  kr::flags::CommonFlags common;
  common.health_port = 20243;
  kr::flags::FlagSet flags("kr-policyd",
                           "NetworkPolicy firewall: iptables chains and ipsets "
                           "from the kr-node bus.");
  common.Register(flags);
  flags.ParseOrExit(argc, argv);

  // Observability: /healthz and /metrics.
  kr::daemon::DaemonStatus status("policyd", common);
  if (kr::Status started = status.Start(); !started.ok()) {
    KR_LOG(ERROR) << started.error().message;
    return 1;
  }
  KR_LOG(INFO) << "kr-policyd " << KR_VERSION << " running";

  signals.token().Wait();
  KR_LOG(INFO) << "stopping";
  status.Stop();
  return 0;
}
