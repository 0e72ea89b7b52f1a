// What decides which service IPs this node originates: kube-router's --advertise-* flags and
// the identity of the node (to find its local endpoints).
#pragma once

#include <string>
#include <vector>

#include "common/route/ip_prefix.h"

namespace kr::routed::advertise {

// kube-router's per-service annotations. The three advertise.* ones take strconv.ParseBool
// values and override the matching flag for that service.
inline constexpr char kAdvertiseClusterIpAnnotation[] =
    "kube-router.io/service.advertise.clusterip";
inline constexpr char kAdvertiseExternalIpAnnotation[] =
    "kube-router.io/service.advertise.externalip";
inline constexpr char kAdvertiseLoadBalancerIpAnnotation[] =
    "kube-router.io/service.advertise.loadbalancerip";
// Deprecated by kube-router in favour of advertise.loadbalancerip=false; present = skip.
inline constexpr char kSkipLbIpsAnnotation[] = "kube-router.io/service.skiplbips";
// "true": treat the service as Local for both traffic policies.
inline constexpr char kLocalAnnotation[] = "kube-router.io/service.local";

struct AdvertiseOptions {
  std::string node_name;
  // An endpoint without a node name counts as local when its address is one of these
  // (kube-router's fallback for endpoints that carry no nodeName).
  std::vector<route::IpAddress> node_ips;
  bool advertise_cluster_ip = false;       // --advertise-cluster-ip
  bool advertise_external_ip = false;      // --advertise-external-ip
  bool advertise_loadbalancer_ip = false;  // --advertise-loadbalancer-ip
};

}  // namespace kr::routed::advertise
