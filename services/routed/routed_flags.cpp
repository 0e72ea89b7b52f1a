#include "services/routed/routed_flags.h"

#include <cstdlib>
#include <stdexcept>

#include "common/kube/base64.h"
#include "services/routed/bgp/ip_address.h"

namespace kr::routed {
namespace {

bool ValidClusterAsn(uint32_t asn) {
  // kube-router accepts the private ranges only.
  return (asn >= 64512 && asn <= 65535) || (asn >= 4200000000u && asn <= 4294967294u);
}

Status CheckPeers(const RoutedFlags& f) {
  const size_t n = f.peer_router_ips.size();
  if (f.peer_router_asns.size() != n) {
    return Error{EINVAL, "--peer-router-asns needs one ASN for each of the " + std::to_string(n) +
                             " --peer-router-ips"};
  }
  if (!f.peer_router_passwords.empty() && f.peer_router_passwords.size() != n) {
    return Error{EINVAL, "--peer-router-passwords needs one password for each --peer-router-ips"};
  }
  if (!f.peer_router_ports.empty() && f.peer_router_ports.size() != n) {
    return Error{EINVAL, "--peer-router-ports needs one port for each --peer-router-ips"};
  }
  for (uint32_t asn : f.peer_router_asns) {
    if (asn == 0) return Error{EINVAL, "--peer-router-asns: 0 is not an ASN"};
  }
  for (uint32_t port : f.peer_router_ports) {
    if (port == 0 || port > 65535) {
      return Error{EINVAL, "--peer-router-ports: " + std::to_string(port) + " is not a port"};
    }
  }
  for (const std::string& password : f.peer_router_passwords) {
    if (!kube::DecodeBase64(password)) {
      return Error{EINVAL, "--peer-router-passwords: a password is not base64"};
    }
  }
  return Status::Ok();
}

}  // namespace

RoutedFlags::RoutedFlags() {
  const char* env = std::getenv(kCniConfFileEnv);
  cni_conf_file = env != nullptr && *env != '\0' ? env : kDefaultCniConfFile;
}

void RoutedFlags::Register(flags::FlagSet& fs) {
  fs.Uint32("cluster-asn", &cluster_asn,
            "ASN number under which cluster nodes will run iBGP (0: 64512).");
  fs.Bool("nodes-full-mesh", &nodes_full_mesh,
          "Each node in the cluster will setup BGP peering with rest of the nodes.");
  fs.Bool("enable-ibgp", &enable_ibgp, "Enables peering with nodes with the same ASN.");
  fs.Bool("advertise-pod-cidr", &advertise_pod_cidr, "Advertise the node's pod CIDR to peers.");
  fs.Uint16("bgp-port", &bgp_port, "The port open for incoming BGP connections.");
  fs.Duration("bgp-holdtime", &bgp_holdtime,
              "How long to wait for a BGP keepalive before the session is down (3s to 18h12m).");
  fs.IpSlice("peer-router-ips", &peer_router_ips,
             "The ip addresses of the external routers to which all nodes will peer.");
  fs.UintSlice("peer-router-asns", &peer_router_asns,
               "ASN numbers of the BGP peers to which cluster nodes will advertise routes.");
  fs.StringSlice("peer-router-passwords", &peer_router_passwords,
                 "Base64 passwords for authenticating against the BGP peers of "
                 "--peer-router-ips.");
  fs.UintSlice("peer-router-ports", &peer_router_ports,
               "The remote port of the external BGP peers (default 179).");
  fs.Uint8("peer-router-multihop-ttl", &peer_router_multihop_ttl,
           "Enable eBGP multihop supports -- sets multihop-ttl (relevant only if ttl >= 2).");
  fs.String("router-id", &router_id, "BGP router-id; the node's IPv4 address when unset.");
  fs.Bool("bgp-graceful-restart", &bgp_graceful_restart,
          "Accepted for kube-router compatibility; kernel routes of a node whose session is "
          "down are held for --bgp-graceful-restart-time in any case.");
  fs.Duration("bgp-graceful-restart-time", &bgp_graceful_restart_time,
              "How long routes of a node whose BGP session went down stay in the kernel.");
  fs.Duration("routes-sync-period", &routes_sync_period,
              "The delay between full route syncs (e.g. '5s', '1m').");
  fs.String("bgp-control-socket", &bgp_control_socket,
            "Unix socket for kr-bgp (neighbors, RIB); default <bus-dir>/routed-bgp.sock.");
  fs.Bool("enable-cni", &enable_cni, "Enable CNI plugin: write the CNI config with the pod CIDR.");
  fs.String("cni-conf-file", &cni_conf_file,
            "The CNI config file routed keeps (env KUBE_ROUTER_CNI_CONF_FILE).");
  fs.Bool("auto-mtu", &auto_mtu,
          "Auto detect and set the largest possible MTU for pod interfaces.");
  fs.Bool("enable-overlay", &enable_overlay,
          "Use IP-in-IP tunnels to nodes in other subnets (see --overlay-type).");
  fs.String("overlay-type", &overlay_type,
            "Topology of tunnels with --enable-overlay: subnet or full.");
  fs.Bool("enable-pod-egress", &enable_pod_egress,
          "SNAT traffic from Pods to destinations outside the cluster.");
  fs.Bool("enable-ipv4", &enable_ipv4, "Enables IPv4 pod egress rules (iptables, ipsets).");
  fs.Bool("enable-ipv6", &enable_ipv6, "Enables IPv6 pod egress rules (ip6tables, ipsets).");
  fs.Bool("advertise-cluster-ip", &advertise_cluster_ip,
          "Add Cluster IP of the service to the RIB so that it gets advertised to the BGP peers.");
  fs.Bool("advertise-external-ip", &advertise_external_ip,
          "Add External IP of service to the RIB so that it gets advertised to the BGP peers.");
  fs.Bool("advertise-loadbalancer-ip", &advertise_loadbalancer_ip,
          "Add LoadBalancer IP of service status as set by the LB provider to the RIB.");
  fs.AfterParse([this]() -> Status {
    if (cluster_asn != 0 && !ValidClusterAsn(cluster_asn)) {
      return Error{EINVAL, "--cluster-asn " + std::to_string(cluster_asn) +
                               " is not a private ASN (64512-65535, 4200000000-4294967294)"};
    }
    if (bgp_holdtime < std::chrono::seconds(3) || bgp_holdtime > std::chrono::seconds(65535)) {
      return Error{EINVAL, "--bgp-holdtime must be between 3s and 18h12m15s"};
    }
    if (overlay_type != "subnet" && overlay_type != "full") {
      return Error{EINVAL, "--overlay-type must be subnet or full, not " + overlay_type};
    }
    if (!enable_ipv4 && !enable_ipv6) {
      return Error{EINVAL, "at least one of --enable-ipv4 and --enable-ipv6 must be true"};
    }
    if (routes_sync_period <= std::chrono::nanoseconds::zero()) {
      return Error{EINVAL, "--routes-sync-period must be greater than 0"};
    }
    if (bgp_graceful_restart_time < std::chrono::nanoseconds::zero()) {
      return Error{EINVAL, "--bgp-graceful-restart-time must not be negative"};
    }
    if (!router_id.empty()) {
      auto id = bgp::IpAddress::Parse(router_id);
      if (!id || !id->is_v4()) {
        return Error{EINVAL, "--router-id " + router_id + " is not an IPv4 address"};
      }
    }
    return CheckPeers(*this);
  });
}

RoutedOptions RoutedFlags::ToOptions(const std::string& node_name) const {
  if (Status s = CheckPeers(*this); !s) throw std::invalid_argument(s.error().message);
  RoutedOptions o;
  o.node_name = node_name;
  o.cluster_asn = cluster_asn == 0 ? kDefaultClusterAsn : cluster_asn;
  o.nodes_full_mesh = nodes_full_mesh;
  o.enable_ibgp = enable_ibgp;
  o.advertise_pod_cidr = advertise_pod_cidr;
  o.bgp_port = bgp_port;
  o.hold_time =
      static_cast<uint16_t>(std::chrono::duration_cast<std::chrono::seconds>(bgp_holdtime).count());
  o.router_id = router_id;
  if (peer_router_multihop_ttl >= 2) o.peer_multihop_ttl = peer_router_multihop_ttl;
  for (size_t i = 0; i < peer_router_ips.size(); ++i) {
    BgpPeerSpec peer;
    auto ip = bgp::IpAddress::Parse(peer_router_ips[i]);
    if (!ip) throw std::invalid_argument("--peer-router-ips: bad address " + peer_router_ips[i]);
    peer.address = *ip;
    peer.asn = peer_router_asns[i];
    if (!peer_router_passwords.empty())
      peer.password = *kube::DecodeBase64(peer_router_passwords[i]);
    if (!peer_router_ports.empty()) peer.port = static_cast<uint16_t>(peer_router_ports[i]);
    peer.multihop_ttl = o.peer_multihop_ttl;
    peer.origin = "--peer-router-ips";
    o.global_peers.push_back(std::move(peer));
  }
  o.stale_route_hold = std::chrono::duration_cast<std::chrono::seconds>(bgp_graceful_restart_time);
  o.enable_cni = enable_cni;
  o.cni_conf_file = cni_conf_file;
  o.auto_mtu = auto_mtu;
  o.enable_overlay = enable_overlay;
  o.overlay_type = overlay_type;
  o.enable_pod_egress = enable_pod_egress;
  o.enable_ipv4 = enable_ipv4;
  o.enable_ipv6 = enable_ipv6;
  o.advertise_cluster_ip = advertise_cluster_ip;
  o.advertise_external_ip = advertise_external_ip;
  o.advertise_loadbalancer_ip = advertise_loadbalancer_ip;
  return o;
}

}  // namespace kr::routed
