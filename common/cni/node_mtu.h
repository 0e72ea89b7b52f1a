// --auto-mtu: the pods' MTU follows the node's own interface, less what the overlay adds.
#pragma once

#include <string>

#include "common/base/expected.h"

namespace kr::cni {

// Bytes an IP-in-IP tunnel adds to each packet: an outer IPv4 header (ipip) or an outer IPv6
// header (ip6ip6, what kube-router uses between IPv6 node addresses).
inline constexpr int kIpipOverhead = 20;
inline constexpr int kIp6ip6Overhead = 40;

// The MTU of the interface in the calling thread's network namespace that holds `node_ip`
// ("192.0.2.10", "2001:db8::10"). ENOENT when no interface holds it, EINVAL for a bad address.
Expected<int> InterfaceMtuOf(const std::string& node_ip);

// The pods' MTU for an interface MTU: less the tunnel overhead of node_ip's family when the
// overlay is on (kube-router's --enable-overlay), unchanged otherwise.
int PodMtu(int interface_mtu, bool overlay_enabled, bool node_ip_is_v6);

// Both together: what `--auto-mtu` writes into the CNI config.
Expected<int> AutoMtu(const std::string& node_ip, bool overlay_enabled);

}  // namespace kr::cni
