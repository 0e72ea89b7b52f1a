// proxyd's own metrics (sync duration and failures come from DaemonStatus::LoopHooksFor).
//   kr_proxyd_ipvs_services                      virtual services we program
//   kr_proxyd_ipvs_destinations                  their destinations
//   kr_proxyd_service_errors                     Services skipped for invalid input
//   kr_proxyd_network_programming_duration_seconds  bus event received -> kernel applied
//   kr_proxyd_ipvs_ops_total{result}             IPVS writes sent, by ok/failed
// Threading: the handles are safe from any thread.
#pragma once

#include <memory>

#include "common/metrics/counter.h"
#include "common/metrics/gauge.h"
#include "common/metrics/histogram.h"
#include "common/metrics/registry.h"

namespace kr::proxyd {

struct ProxyMetrics {
  explicit ProxyMetrics(metrics::Registry& registry);

  std::shared_ptr<metrics::Gauge> services;
  std::shared_ptr<metrics::Gauge> destinations;
  std::shared_ptr<metrics::Gauge> service_errors;
  std::shared_ptr<metrics::Histogram> programming_latency;
  std::shared_ptr<metrics::Counter> ops_ok;
  std::shared_ptr<metrics::Counter> ops_failed;
};

}  // namespace kr::proxyd
