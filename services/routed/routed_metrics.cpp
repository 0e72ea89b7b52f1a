#include "services/routed/routed_metrics.h"

namespace kr::routed {

RoutedMetrics::RoutedMetrics(metrics::Registry& registry)
    : peer_info(registry.AddGauge("kube_router_bgp_peer_info", "BGP peer info (value 1).",
                                  {"address", "asn", "state"})),
      peers(registry.AddGauge("kube_router_controller_bgp_peers", "Number of BGP peers.").Get()),
      advertisements_received(
          registry
              .AddCounter("kube_router_controller_bgp_advertisements_received",
                          "BGP best routes learned from peers (new or changed).")
              .Get()),
      advertisements_sent(registry
                              .AddCounter("kube_router_controller_bgp_advertisements_sent",
                                          "Prefixes we announced or withdrew.")
                              .Get()),
      peers_sync_time(registry
                          .AddHistogram("kube_router_controller_bgp_internal_peers_sync_time",
                                        "Seconds to configure the BGP speaker's peers.", {},
                                        metrics::ExponentialBuckets(0.0001, 4, 10))
                          .Get()),
      routes_sync_time(registry
                           .AddHistogram("kube_router_controller_routes_sync_time",
                                         "Seconds to sync learned routes into the kernel.", {},
                                         metrics::ExponentialBuckets(0.0001, 4, 10))
                           .Get()),
      kernel_routes(
          registry.AddGauge("kr_routed_kernel_routes", "Routes routed keeps in the kernel.").Get()),
      held_routes(registry
                      .AddGauge("kr_routed_held_routes",
                                "Kernel routes held while the node's BGP session is down.")
                      .Get()),
      route_errors(
          registry.AddCounter("kr_routed_route_errors_total", "Failed kernel route writes.").Get()),
      bad_input(registry
                    .AddCounter("kr_routed_bad_input_total",
                                "Malformed node fields (annotations, pod CIDRs) skipped.")
                    .Get()),
      node_problems(registry
                        .AddGauge("kr_routed_node_problems",
                                  "Malformed node fields in the current view of the nodes.")
                        .Get()) {}

}  // namespace kr::routed
