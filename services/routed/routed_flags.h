// kr-routed's flags, with kube-router's names and defaults, turned into RoutedOptions.
//
//   RoutedFlags flags;               // cni_conf_file defaults from KUBE_ROUTER_CNI_CONF_FILE
//   flags.Register(flag_set);        // before ParseOrExit; AfterParse checks the peer lists
//   RoutedOptions options = flags.ToOptions(common.NodeName());
//
// --advertise-cluster-ip/-external-ip/-loadbalancer-ip feed AdvertisedServices,
// --enable-overlay/--overlay-type OverlayNodes, --enable-pod-egress the egress node hook
// (all wired in main.cpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/flags/flag_set.h"
#include "services/routed/routed_options.h"

namespace kr::routed {

inline constexpr char kCniConfFileEnv[] = "KUBE_ROUTER_CNI_CONF_FILE";
inline constexpr char kDefaultCniConfFile[] = "/etc/cni/net.d/10-kuberouter.conflist";

struct RoutedFlags {
  RoutedFlags();  // reads KUBE_ROUTER_CNI_CONF_FILE for cni_conf_file's default

  uint32_t cluster_asn = 0;  // 0: kDefaultClusterAsn
  bool nodes_full_mesh = true;
  bool enable_ibgp = true;
  bool advertise_pod_cidr = true;
  uint16_t bgp_port = 179;
  std::chrono::nanoseconds bgp_holdtime = std::chrono::seconds(90);
  std::vector<std::string> peer_router_ips;
  std::vector<uint32_t> peer_router_asns;
  std::vector<std::string> peer_router_passwords;  // base64, as kube-router
  std::vector<uint32_t> peer_router_ports;
  uint8_t peer_router_multihop_ttl = 0;  // 0 and 1: directly connected
  std::string router_id;
  bool bgp_graceful_restart = false;
  std::chrono::nanoseconds bgp_graceful_restart_time = std::chrono::seconds(90);
  std::chrono::nanoseconds routes_sync_period = std::chrono::minutes(5);
  std::string bgp_control_socket;  // "": <bus-dir>/routed-bgp.sock (what kr-bgp reads)

  bool enable_cni = true;
  std::string cni_conf_file;
  bool auto_mtu = true;
  bool enable_overlay = true;
  std::string overlay_type = "subnet";
  bool enable_pod_egress = true;
  bool enable_ipv4 = true;
  bool enable_ipv6 = false;
  bool advertise_cluster_ip = false;
  bool advertise_external_ip = false;
  bool advertise_loadbalancer_ip = false;

  void Register(flags::FlagSet& fs);
  // Throws std::invalid_argument for what AfterParse cannot see alone (start-up only).
  RoutedOptions ToOptions(const std::string& node_name) const;
};

}  // namespace kr::routed
