// Real TCP connections between test namespaces: whether a path (routes, tunnels, firewall
// rules) carries packets, and with which source address they arrive. Sockets are made inside
// the namespaces with NetNs::Run; every wait is bounded, never a synchronization sleep.
//
//   TcpListener listener = ListenTcp(server, AF_INET);
//   CHECK(ConnectTcp(client, "198.18.2.2", listener.port, 2s) == TcpProbe::kConnected);
//   CHECK(ProbeTcp(pod_a, pod_b, "198.18.2.2") == TcpProbe::kConnected);  // both in one
//   CHECK(ConnectAndSeeSource(pod_a, pod_b, "198.18.2.2") == "198.18.1.2");  // SNAT or not
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "test/support/netns.h"

namespace kr::test {

// An IPv4 or IPv6 socket address, by the text's form (a colon: IPv6).
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  int family() const { return storage.ss_family; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};
// Throws when `ip` is not an address of the family its form says.
SocketAddress ParseSocketAddress(const std::string& ip, uint16_t port);

// The IP address of a socket address, as text (no port).
std::string AddressText(const sockaddr_storage& address);
// The address text of a connected socket's peer, or of its own end; "?" when unknown.
std::string PeerAddressOf(int fd);
std::string LocalAddressOf(int fd);

struct TcpListener {
  UniqueFd fd;
  std::uint16_t port = 0;
};

// Listens on the wildcard address of `family` (AF_INET / AF_INET6) on a kernel-chosen port.
TcpListener ListenTcp(const NetNs& ns, int family);

enum class TcpProbe { kConnected, kRefused, kTimedOut };
const char* ToString(TcpProbe probe);

// Connects from `ns` to address:port (IPv4 or IPv6). A dropped SYN shows as kTimedOut after
// `timeout`; other failures throw.
TcpProbe ConnectTcp(const NetNs& ns, const std::string& address, std::uint16_t port,
                    std::chrono::milliseconds timeout);

// ListenTcp in `to`, then ConnectTcp from `from` to `to_address`, which `to` must own.
TcpProbe ProbeTcp(const NetNs& from, const NetNs& to, const std::string& to_address,
                  std::chrono::milliseconds timeout = std::chrono::seconds(5));

// IPv4 only: the peer address the listener on to_ip:port inside `to` saw (getpeername of the
// accepted socket), or "error: ...". Bounded by 10 s per step; closes all three sockets.
std::string ConnectAndSeeSource(const NetNs& from, const NetNs& to, const std::string& to_ip,
                                uint16_t port = 9090);

}  // namespace kr::test
