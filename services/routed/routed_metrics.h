// routed's metrics, with kube-router's names where it has one (sync duration and failures of
// the loop itself come from DaemonStatus::LoopHooksFor):
//   kube_router_bgp_peer_info{address,asn,state}          1 per configured peer
//   kube_router_controller_bgp_peers                      configured peers
//   kube_router_controller_bgp_advertisements_received    new or changed learned best routes
//   kube_router_controller_bgp_advertisements_sent        our announcements and withdrawals
//   kube_router_controller_bgp_internal_peers_sync_time   seconds to (re)configure the speaker
//   kube_router_controller_routes_sync_time               seconds per kernel route sync
//   kr_routed_kernel_routes                               routes we keep in the kernel
//   kr_routed_held_routes                                 of those, held while their peer is down
//   kr_routed_route_errors_total                          failed route writes
//   kr_routed_bad_input_total                             malformed node fields skipped
//   kr_routed_node_problems                               malformed fields in the current view
// Threading: the handles are safe from any thread.
#pragma once

#include <memory>

#include "common/metrics/counter.h"
#include "common/metrics/family.h"
#include "common/metrics/gauge.h"
#include "common/metrics/histogram.h"
#include "common/metrics/registry.h"

namespace kr::routed {

struct RoutedMetrics {
  explicit RoutedMetrics(metrics::Registry& registry);

  metrics::GaugeFamily& peer_info;
  std::shared_ptr<metrics::Gauge> peers;
  std::shared_ptr<metrics::Counter> advertisements_received;
  std::shared_ptr<metrics::Counter> advertisements_sent;
  std::shared_ptr<metrics::Histogram> peers_sync_time;
  std::shared_ptr<metrics::Histogram> routes_sync_time;
  std::shared_ptr<metrics::Gauge> kernel_routes;
  std::shared_ptr<metrics::Gauge> held_routes;
  std::shared_ptr<metrics::Counter> route_errors;
  std::shared_ptr<metrics::Counter> bad_input;
  std::shared_ptr<metrics::Gauge> node_problems;
};

}  // namespace kr::routed
