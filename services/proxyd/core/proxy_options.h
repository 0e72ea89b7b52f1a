// The settings of kube-router's service proxy that decide the IPVS state (its flags of the
// same names). Plain value, filled once at start-up by the daemon's flag parsing.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/ipvs/ip_address.h"
#include "services/proxyd/core/cidr.h"

namespace kr::proxyd {

struct ProxyOptions {
  // --nodeport-bindon-all-ip: NodePort services on every local address (the caller passes the
  // list, see ProxyCore::SetLocalIps), not only on the node's own IPs.
  bool nodeport_bind_on_all_ip = false;
  // --masquerade-all: SNAT every proxied packet. Only the iptables glue reads it; destinations
  // are masqueraded (IPVS NAT) either way.
  bool masquerade_all = false;
  // --hairpin-mode: hairpin for every service, as if each had kube-router.io/service.hairpin.
  bool hairpin_mode = false;
  // --ipvs-graceful-termination / --ipvs-graceful-period: a removed destination first gets
  // weight 0 and is deleted after the period or once it has no connections left.
  bool graceful_termination = false;
  std::chrono::seconds graceful_period{30};
  // --ipvs-permit-all: the iptables glue accepts any traffic to service VIPs; kept here so
  // one struct carries the proxy's flags.
  bool ipvs_permit_all = true;
  // --service-cluster-ip-range: IPVS services on these addresses are ours even when no
  // current Service names them (left over from before a restart), so they are cleaned up.
  std::vector<Cidr> service_cluster_ip_ranges;
  // --cluster-cidr: pods' addresses. Proxied traffic from outside them is SNATed to the node
  // (see iptables_glue.h); empty: this node's pod CIDRs stand in.
  std::vector<Cidr> cluster_cidrs;
  // --excluded-cidrs: IPVS services on these addresses are never deleted unless desired.
  std::vector<Cidr> excluded_cidrs;
  // --service-node-port-range: a service on a node/local address with a port in this range is
  // ours (a NodePort left from before a restart).
  uint16_t node_port_range_first = 30000;
  uint16_t node_port_range_last = 32767;
  // This node: endpoints with this nodeName are local (traffic policy Local).
  std::string node_name;
  // The node's own IPs for NodePort services; when empty, taken from the Node object
  // (InternalIP addresses, else ExternalIP).
  std::vector<ipvs::IpAddress> node_ips;
};

}  // namespace kr::proxyd
