// kr-routed: BGP pod routing. Wires the modules together; see services/routed/bgp.
//
// Bus -> peers and prefixes -> BGP speaker -> RIB -> kernel routes (our protocol id).
// (The route controller is being built; this binary so far starts, serves /healthz and
// /metrics, and stops on SIGTERM.)
#include "common/daemon/daemon_status.h"
#include "common/flags/common_flags.h"
#include "common/log/log.h"
#include "common/runtime/shutdown_signals.h"

int main(int argc, char** argv) {
  kr::ShutdownSignals signals;  // first: every later thread inherits the blocked signals

  kr::flags::CommonFlags common;
  common.health_port = 20244;
  kr::flags::FlagSet flags("kr-routed",
                           "BGP pod routing: advertises the pod CIDR, installs "
                           "routes learned from peers, writes the CNI config.");
  common.Register(flags);
  flags.ParseOrExit(argc, argv);

  // Observability: /healthz and /metrics.
  kr::daemon::DaemonStatus status("routed", common);
  if (kr::Status started = status.Start(); !started.ok()) {
    KR_LOG(ERROR) << started.error().message;
    return 1;
  }
  KR_LOG(INFO) << "kr-routed " << KR_VERSION << " running";

  signals.token().Wait();
  KR_LOG(INFO) << "stopping";
  status.Stop();
  return 0;
}
