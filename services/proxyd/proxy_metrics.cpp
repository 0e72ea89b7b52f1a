#include "services/proxyd/proxy_metrics.h"

#include "common/metrics/buckets.h"

namespace kr::proxyd {

ProxyMetrics::ProxyMetrics(metrics::Registry& registry)
    : services(
          registry.AddGauge("kr_proxyd_ipvs_services", "IPVS virtual services programmed.").Get()),
      destinations(
          registry.AddGauge("kr_proxyd_ipvs_destinations", "Destinations of those services.")
              .Get()),
      service_errors(registry
                         .AddGauge("kr_proxyd_service_errors",
                                   "Services skipped because their input is invalid.")
                         .Get()),
      // kube-proxy's network_programming_duration uses 0.25s..; ours reaches down to 1 ms.
      programming_latency(
          registry
              .AddHistogram("kr_proxyd_network_programming_duration_seconds",
                            "Time from a bus event's arrival to its IPVS state applied.", {},
                            metrics::ExponentialBuckets(0.001, 2, 16))
              .Get()),
      ops_ok(registry
                 .AddCounter("kr_proxyd_ipvs_ops_total", "IPVS writes sent, by result.", {"result"})
                 .WithLabels({"ok"})),
      ops_failed(
          registry
              .AddCounter("kr_proxyd_ipvs_ops_total", "IPVS writes sent, by result.", {"result"})
              .WithLabels({"failed"})) {}

}  // namespace kr::proxyd
