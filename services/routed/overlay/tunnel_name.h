// Names of the overlay's tunnel interfaces: "tun-" and 11 hex digits of a hash of the remote
// node IP, 15 bytes, the most an interface name may have (IFNAMSIZ - 1).
//
// kube-router uses the same shape but hashes the address text with its dots and colons
// removed, so 10.1.2.34 and 10.1.23.4 get one name; hashing the address bytes avoids that.
// Because the shape is the same, tunnels a kube-router left on the node count as ours and
// are replaced by ours (as with the shared route protocol id, see route_types.h). A name is
// ours only by this exact shape: the kernel's "tunl0" or an operator's "tun-dc1" never are.
#pragma once

#include <string>
#include <string_view>

#include "common/route/ip_prefix.h"

namespace kr::routed::overlay {

inline constexpr std::string_view kTunnelPrefix = "tun-";
inline constexpr std::size_t kTunnelHashDigits = 11;

// Stable across runs and hosts (FNV-1a 64 over the family and address bytes).
std::string TunnelName(const route::IpAddress& remote);

// Whether `name` has the shape TunnelName produces.
bool IsOverlayTunnelName(std::string_view name);

}  // namespace kr::routed::overlay
