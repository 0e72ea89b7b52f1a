// The IPVS state one Kubernetes Service asks for on this node: its virtual services with their
// destinations, the VIPs for kube-dummy-if, and what the iptables glue needs (hairpin, DSR
// marks, traffic policy). Pure: computed from the bus objects and the options, no kernel.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/base/expected.h"
#include "common/ipvs/ipvs_types.h"
#include "common/model/endpoints.h"
#include "common/model/node.h"
#include "common/model/service.h"
#include "services/proxyd/core/dsr_fwmark.h"
#include "services/proxyd/core/proxy_options.h"

namespace kr::proxyd {

// IPVS persistence timeout when sessionAffinity is ClientIP without a timeout (Kubernetes'
// default, 3 hours).
inline constexpr uint32_t kDefaultAffinityTimeoutSeconds = 10800;

struct DesiredVirtualService {
  ipvs::Service service;
  std::map<ipvs::DestinationKey, ipvs::Destination> destinations;

  bool operator==(const DesiredVirtualService&) const = default;
};

// A DSR (tunnel) external or LoadBalancer IP served as a fwmark service: the glue marks packets
// to vip/protocol/port with `fwmark` and routes marked packets locally.
struct DsrTarget {
  ipvs::IpAddress vip;
  ipvs::Protocol protocol = ipvs::Protocol::kTcp;
  uint16_t port = 0;
  uint32_t fwmark = 0;

  bool operator==(const DsrTarget&) const = default;
};

// A local endpoint of a DSR service and one external IP it answers from: the pod side of DSR
// puts `vip` on an IP-in-IP interface in the endpoint's pod (see kernel/pod_tunnels.h).
struct DsrPodTunnel {
  ipvs::IpAddress endpoint;
  ipvs::IpAddress vip;

  auto operator<=>(const DsrPodTunnel&) const = default;
};

// A pod reaching its own service (hairpin): IPVS sends the packet back to the pod it came from,
// which would answer itself directly; SNAT to the VIP makes the reply go through IPVS again.
// The glue writes `-s endpoint -d endpoint -p protocol -m ipvs --vaddr vip --vport port -j
// SNAT --to-source vip` (kube-router's rule).
struct HairpinRule {
  ipvs::IpAddress endpoint;
  ipvs::IpAddress vip;
  ipvs::Protocol protocol = ipvs::Protocol::kTcp;
  uint16_t port = 0;

  auto operator<=>(const HairpinRule&) const = default;
};

struct ServiceDesired {
  std::map<ipvs::ServiceKey, DesiredVirtualService> virtual_services;
  // Cluster, external and LoadBalancer IPs served here (not node IPs, not DSR IPs: those are
  // reached through the fwmark route), to be put on kube-dummy-if.
  std::set<ipvs::IpAddress> dummy_vips;
  std::vector<DsrTarget> dsr_targets;
  // For each DSR target, this node's ready endpoints among its destinations; sorted.
  std::vector<DsrPodTunnel> dsr_pod_tunnels;
  bool hairpin = false;               // annotation or --hairpin-mode
  bool hairpin_external_ips = false;  // hairpin also for external IPs
  bool local_external = false;        // NodePort/external/LB only to local endpoints
  bool local_internal = false;        // ClusterIP only to local endpoints
  // LoadBalancer with externalTrafficPolicy Local: the port of the health check responder
  // (0: none) and the number of this node's ready endpoints it reports.
  int32_t health_check_node_port = 0;
  int32_t local_ready_endpoints = 0;
  // With hairpin: one rule per local endpoint address and VIP:port it serves (cluster IPs,
  // NodePorts on node IPs, external IPs with hairpin_external_ips), sorted.
  std::vector<HairpinRule> hairpin_rules;

  bool operator==(const ServiceDesired&) const = default;
};

// Why a service is not programmed, for a log line and a metric.
struct ServiceError {
  std::string service;  // "namespace/name"
  Error error;
};

// The addresses NodePort services listen on: options.node_ips if set, else with
// --nodeport-bindon-all-ip `local_ips`, else the Node's InternalIP addresses (ExternalIP when
// it has none). Sorted, unique.
std::vector<ipvs::IpAddress> NodePortAddresses(const ProxyOptions& options, const model::Node* node,
                                               const std::vector<ipvs::IpAddress>& local_ips);

// True for services the proxy leaves alone by design (not an error): headless, ExternalName,
// or labelled with service.kubernetes.io/service-proxy-name.
bool IsSkippedByDesign(const model::Service& service);

// The desired state of one service. `endpoints` may be null (none published yet). DSR marks
// come from `fwmarks` (acquired here; the caller releases marks a service no longer uses).
// EINVAL with a message naming the bad field for invalid input; empty for skipped services.
Expected<ServiceDesired> ComputeServiceDesired(const model::Service& service,
                                               const model::Endpoints* endpoints,
                                               const ProxyOptions& options,
                                               const std::vector<ipvs::IpAddress>& nodeport_ips,
                                               DsrFwmarkAllocator& fwmarks);

}  // namespace kr::proxyd
