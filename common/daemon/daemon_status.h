// The observability every daemon sets up the same way: a metrics registry with the process
// collector and a build-info gauge, a health registry, and the HTTP server that answers
// /healthz (and /metrics) on --health-port, plus a second one for /metrics alone when
// --metrics-port names another port, as kube-router's flags allow.
//
//   kr::daemon::DaemonStatus status("proxyd", common_flags);
//   if (kr::Status s = status.Start(); !s.ok()) { KR_LOG(ERROR) << s.error().message; return 1; }
//   kr::LoopHooks hooks = status.LoopHooksFor("ipvs", 3 * sync_period);  // metrics + health
//   ...
//   status.Stop();
//
// A port of 0 disables that server (kube-router's meaning).
//
// Threading: construct, Start and Stop on the main thread; registry() and health() are
// thread-safe, and the hooks may run on a controller loop's thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/base/expected.h"
#include "common/flags/common_flags.h"
#include "common/http/health_registry.h"
#include "common/http/status_server.h"
#include "common/metrics/registry.h"
#include "common/runtime/controller_loop.h"

namespace kr::daemon {

class DaemonStatus {
 public:
  DaemonStatus(std::string daemon, const flags::CommonFlags& flags);
  ~DaemonStatus();

  Status Start();
  void Stop();

  metrics::Registry& registry() { return registry_; }
  http::HealthRegistry& health() { return health_; }

  // Hooks for a ControllerLoop: sync duration and failures as metrics, one log line per failed
  // sync, and a health check named "<daemon>-<controller>" beaten on every heartbeat, stale
  // after max_silence. Throws std::runtime_error at start-up if the name is taken.
  LoopHooks LoopHooksFor(const std::string& controller, Clock::Duration max_silence);

  // Ports actually bound (for logs and tests); 0 when that server is off.
  int health_port() const;
  int metrics_port() const;

 private:
  const std::string daemon_;
  const flags::CommonFlags& flags_;
  metrics::Registry registry_;
  http::HealthRegistry health_;
  std::unique_ptr<http::StatusServer> health_server_;   // /healthz and /metrics
  std::unique_ptr<http::StatusServer> metrics_server_;  // /metrics on --metrics-port
  std::vector<std::shared_ptr<http::HealthCheck>> checks_;
};

}  // namespace kr::daemon
