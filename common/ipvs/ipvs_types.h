// The IPVS objects as the kernel holds them: virtual services and their destinations (real
// servers), with the kernel's counters. Plain values; comparable so that a desired table can be
// diffed against a dumped one.
#pragma once

#include <netinet/in.h>

#include <compare>
#include <cstdint>
#include <optional>
#include <string>

#include "common/ipvs/ip_address.h"

namespace kr::ipvs {

enum class Protocol : uint16_t {
  kTcp = IPPROTO_TCP,
  kUdp = IPPROTO_UDP,
  kSctp = IPPROTO_SCTP,
};
std::string ProtocolName(Protocol protocol);  // "TCP", "UDP", "SCTP" (as ipvsadm prints them)

// Identifies a virtual service: (protocol, address, port), or a firewall mark per family.
// Build with ForAddress/ForFwmark so equal services compare equal: a fwmark key always has
// protocol TCP, an unspecified address and port 0, which is how the kernel reports it.
struct ServiceKey {
  int family = AF_INET;
  Protocol protocol = Protocol::kTcp;
  IpAddress address;
  uint16_t port = 0;
  uint32_t fwmark = 0;  // nonzero: a firewall-mark service

  static ServiceKey ForAddress(Protocol protocol, const IpAddress& address, uint16_t port);
  static ServiceKey ForFwmark(int family, uint32_t fwmark);

  bool is_fwmark() const { return fwmark != 0; }
  std::string ToString() const;  // "TCP 192.0.2.10:80", "UDP [2001:db8::1]:53", "FWM 7 IPv4"
  auto operator<=>(const ServiceKey&) const = default;
};

// IPVS_SVC_F_* bits of a service (linux/ip_vs.h). The scheduler flags mean different things per
// scheduler; the named aliases are those ipvsadm's --sched-flags knows.
struct ServiceFlags {
  static constexpr uint32_t kPersistent = 0x0001;
  static constexpr uint32_t kHashed = 0x0002;  // kernel-internal; stripped from dumps
  static constexpr uint32_t kOnePacket = 0x0004;
  static constexpr uint32_t kSched1 = 0x0008;
  static constexpr uint32_t kSched2 = 0x0010;
  static constexpr uint32_t kSched3 = 0x0020;
  static constexpr uint32_t kShFallback = kSched1;  // sh: pick another server if overloaded
  static constexpr uint32_t kShPort = kSched2;      // sh: hash the source port too
  static constexpr uint32_t kMhFallback = kSched1;  // mh: same meanings as for sh
  static constexpr uint32_t kMhPort = kSched2;
};

// A virtual service's settings. Persistence (sessionAffinity) is kPersistent in `flags` plus
// `timeout`; the kernel keeps the timeout only while the flag is set.
struct Service {
  ServiceKey key;
  std::string scheduler = "rr";  // rr, wrr, lc, wlc, dh, sh, mh, ...: loads ip_vs_<name>
  uint32_t flags = 0;            // ServiceFlags bits
  uint32_t timeout = 0;          // persistence timeout in seconds
  // Clients grouped for persistence by this prefix length; nullopt = per host (/32, /128).
  std::optional<uint8_t> persistence_prefix;
  std::string persistence_engine;  // "sip" or empty

  bool operator==(const Service&) const = default;
};

// Counters as the kernel reports them (the 64-bit set when available). The kernel counts per
// CPU and folds those counts into the reported totals only when its rate estimator runs, every
// 2 s: a dump right after traffic may not show it yet (ipvsadm --stats neither), so a reader
// that expects counts must poll. DestinationEntry's active/inactive connections are live.
struct Stats {
  uint64_t connections = 0;
  uint64_t packets_in = 0;
  uint64_t packets_out = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  uint64_t connections_per_second = 0;
  uint64_t packets_in_per_second = 0;
  uint64_t packets_out_per_second = 0;
  uint64_t bytes_in_per_second = 0;
  uint64_t bytes_out_per_second = 0;

  bool operator==(const Stats&) const = default;
};

struct ServiceEntry {
  Service service;
  Stats stats;

  bool operator==(const ServiceEntry&) const = default;
};

// IP_VS_CONN_F_* forwarding methods (ipvsadm: -m, -i, -g).
enum class ForwardMethod : uint32_t {
  kMasquerade = 0,
  kLocal = 1,
  kTunnel = 2,
  kDirectRoute = 3,
  kBypass = 4,
};
std::string ForwardMethodName(ForwardMethod method);  // "Masq", "Local", "Tunnel", "Route", ...

enum class TunnelType : uint8_t { kIpip = 0, kGue = 1, kGre = 2 };

// Identifies a destination within its service.
struct DestinationKey {
  IpAddress address;
  uint16_t port = 0;

  std::string ToString() const;  // "10.0.0.1:8080", "[2001:db8::2]:80"
  auto operator<=>(const DestinationKey&) const = default;
};

struct Destination {
  IpAddress address;  // its family may differ from the service's only with kTunnel
  uint16_t port = 0;
  ForwardMethod forward = ForwardMethod::kMasquerade;
  int32_t weight = 1;            // 0 = no new connections (graceful termination); < 0: ERANGE
  uint32_t upper_threshold = 0;  // max connections, 0 = unlimited
  uint32_t lower_threshold = 0;  // must not exceed upper_threshold (ERANGE)
  TunnelType tunnel_type = TunnelType::kIpip;  // with kTunnel only
  uint16_t tunnel_port = 0;                    // GUE only
  uint16_t tunnel_flags = 0;                   // IP_VS_TUNNEL_ENCAP_FLAG_*

  DestinationKey key() const { return {address, port}; }
  bool operator==(const Destination&) const = default;
};

struct DestinationEntry {
  Destination destination;
  uint32_t active_connections = 0;
  uint32_t inactive_connections = 0;
  uint32_t persistent_connections = 0;
  Stats stats;

  bool operator==(const DestinationEntry&) const = default;
};

}  // namespace kr::ipvs
