#include "common/daemon/daemon_status.h"

#include <stdexcept>

#include "common/log/log.h"
#include "common/metrics/process_collector.h"

namespace kr::daemon {

DaemonStatus::DaemonStatus(std::string daemon, const flags::CommonFlags& flags)
    : daemon_(std::move(daemon)), flags_(flags) {
  registry_.AddCollector(std::make_shared<metrics::ProcessCollector>());
  registry_
      .AddGauge("kr_build_info", "Build of this daemon; the value is always 1.",
                {"daemon", "version"})
      .WithLabels({daemon_, KR_VERSION})
      ->Set(1);
}

DaemonStatus::~DaemonStatus() {
  Stop();
}

Status DaemonStatus::Start() {
  const std::string address = flags_.metrics_addr.empty() ? "0.0.0.0" : flags_.metrics_addr;
  if (flags_.health_port != 0) {
    health_server_ = std::make_unique<http::StatusServer>(
        registry_, health_,
        http::StatusServerOptions{address, flags_.health_port, flags_.metrics_path, "/healthz"});
    if (Status started = health_server_->Start(); !started.ok()) return started;
    KR_LOG(INFO) << "serving /healthz and " << flags_.metrics_path << " on " << address << ":"
                 << health_server_->port();
  }
  if (flags_.metrics_port != 0 && flags_.metrics_port != flags_.health_port) {
    // Only the metrics path is meant here; /healthz on it is harmless and kept for probes.
    metrics_server_ = std::make_unique<http::StatusServer>(
        registry_, health_,
        http::StatusServerOptions{address, flags_.metrics_port, flags_.metrics_path, "/healthz"});
    if (Status started = metrics_server_->Start(); !started.ok()) return started;
    KR_LOG(INFO) << "serving " << flags_.metrics_path << " on " << address << ":"
                 << metrics_server_->port();
  }
  return Status::Ok();
}

void DaemonStatus::Stop() {
  if (metrics_server_) metrics_server_->Stop();
  if (health_server_) health_server_->Stop();
}

int DaemonStatus::health_port() const {
  return health_server_ ? health_server_->port() : 0;
}
int DaemonStatus::metrics_port() const {
  return metrics_server_ ? metrics_server_->port() : 0;
}

LoopHooks DaemonStatus::LoopHooksFor(const std::string& controller, Clock::Duration max_silence) {
  auto check = health_.Register(daemon_ + "-" + controller, max_silence);
  if (!check.ok()) throw std::runtime_error(check.error().message);
  auto shared_check = std::make_shared<http::HealthCheck>(std::move(*check));
  checks_.push_back(shared_check);

  auto& durations = registry_.AddHistogram(
      "kr_controller_sync_duration_seconds", "Time a controller's sync took, by kind.",
      {"daemon", "controller", "kind"}, metrics::ExponentialBuckets(0.0005, 2, 16));
  auto& failures = registry_.AddCounter("kr_controller_sync_failures_total",
                                        "Syncs that returned an error.", {"daemon", "controller"});
  auto full = durations.WithLabels({daemon_, controller, "full"});
  auto incremental = durations.WithLabels({daemon_, controller, "incremental"});
  auto failed = failures.WithLabels({daemon_, controller});

  LoopHooks hooks;
  hooks.on_sync = [=, daemon = daemon_](const SyncReport& report) {
    const double seconds = std::chrono::duration<double>(report.duration).count();
    (report.kind == SyncKind::kFull ? full : incremental)->Observe(seconds);
    if (!report.status.ok()) {
      failed->Inc();
      KR_LOG(ERROR) << daemon << " " << controller << " sync failed ("
                    << report.consecutive_failures
                    << " in a row): " << report.status.error().message;
    }
  };
  hooks.on_heartbeat = [shared_check] { shared_check->Beat(); };
  return hooks;
}

}  // namespace kr::daemon
