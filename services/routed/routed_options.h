// What kr-routed is configured to do, as the controller sees it (routed_flags.h fills it in
// from kube-router's flags). Plain values: no parsing happens here.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "services/routed/bgp/ip_address.h"

namespace kr::routed {

// kube-router's default cluster ASN: the first private 16-bit ASN.
inline constexpr uint32_t kDefaultClusterAsn = 64512;

// One BGP neighbour we want a session with.
struct BgpPeerSpec {
  bgp::IpAddress address;
  uint32_t asn = 0;
  uint16_t port = 179;
  std::string password;  // decoded; empty: no TCP MD5
  std::optional<uint8_t> multihop_ttl;
  // Another cluster node (iBGP mesh), as opposed to an external router.
  bool cluster_node = false;
  // We are a route-reflector server and this node is one of our clients (RFC 4456).
  bool route_reflector_client = false;
  std::string origin;  // where it came from, for logs: "node b", "--peer-router-ips", ...

  auto operator<=>(const BgpPeerSpec&) const = default;
};

struct RoutedOptions {
  std::string node_name;
  uint32_t cluster_asn = kDefaultClusterAsn;
  bool nodes_full_mesh = true;            // --nodes-full-mesh
  bool enable_ibgp = true;                // --enable-ibgp: peer with the other nodes at all
  bool advertise_pod_cidr = true;         // --advertise-pod-cidr
  uint16_t bgp_port = 179;                // --bgp-port: we listen and connect to other nodes on it
  uint16_t hold_time = 90;                // --bgp-holdtime, seconds
  std::string router_id;                  // --router-id; empty: the node's IPv4 address
  std::vector<BgpPeerSpec> global_peers;  // --peer-router-*
  std::optional<uint8_t> peer_multihop_ttl;  // --peer-router-multihop-ttl (also annotation peers)
  // A learned route to a node's pod CIDR that leaves the Loc-RIB while that node is still on
  // the bus with that CIDR stays in the kernel this long (its speaker may be restarting).
  std::chrono::seconds stale_route_hold{90};  // --bgp-graceful-restart-time

  bool enable_cni = true;  // --enable-cni
  std::string cni_conf_file = "/etc/cni/net.d/10-kuberouter.conflist";
  bool auto_mtu = false;        // --auto-mtu
  bool enable_overlay = false;  // --enable-overlay (the overlay itself is services/routed/overlay)

  // Read by main.cpp for the modules that use them (services/routed/overlay, egress, advertise).
  std::string overlay_type = "subnet";     // --overlay-type: subnet or full
  bool enable_pod_egress = false;          // --enable-pod-egress
  bool enable_ipv4 = true;                 // --enable-ipv4: pod egress in iptables
  bool enable_ipv6 = false;                // --enable-ipv6: pod egress in ip6tables
  bool advertise_cluster_ip = false;       // --advertise-cluster-ip
  bool advertise_external_ip = false;      // --advertise-external-ip
  bool advertise_loadbalancer_ip = false;  // --advertise-loadbalancer-ip
};

}  // namespace kr::routed
