// Real TCP connections between test namespaces, to prove that rules act on packets.
// Test-only, header-only; sockets are made inside the namespaces with NetNs::Run.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "test/support/netns.h"

namespace kr::test {

struct TcpListener {
  UniqueFd fd;
  std::uint16_t port = 0;
};

// Listens on the wildcard address of `family` (AF_INET / AF_INET6) on a kernel-chosen port.
inline TcpListener ListenTcp(const NetNs& ns, int family) {
  return ns.Run([family] {
    UniqueFd fd(socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
    sockaddr_storage addr{};
    socklen_t len = family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    addr.ss_family = static_cast<sa_family_t>(family);
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(fd.get(), 64) != 0 ||
        getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("listen: " + std::string(std::strerror(errno)));
    }
    std::uint16_t port = family == AF_INET ? reinterpret_cast<sockaddr_in*>(&addr)->sin_port
                                           : reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port;
    return TcpListener{std::move(fd), ntohs(port)};
  });
}

enum class TcpProbe { kConnected, kRefused, kTimedOut };

inline const char* ToString(TcpProbe probe) {
  switch (probe) {
    case TcpProbe::kConnected:
      return "connected";
    case TcpProbe::kRefused:
      return "refused";
    case TcpProbe::kTimedOut:
      return "timed out";
  }
  return "?";
}

// Connects from `ns` to address:port. A dropped SYN shows as kTimedOut after `timeout`; the
// wait is bounded, never a synchronization sleep.
inline TcpProbe ConnectTcp(const NetNs& ns, const std::string& address, std::uint16_t port,
                           std::chrono::milliseconds timeout) {
  return ns.Run([&] {
    sockaddr_storage addr{};
    socklen_t len = 0;
    int family = address.find(':') == std::string::npos ? AF_INET : AF_INET6;
    if (family == AF_INET) {
      auto* in = reinterpret_cast<sockaddr_in*>(&addr);
      in->sin_family = AF_INET;
      in->sin_port = htons(port);
      inet_pton(AF_INET, address.c_str(), &in->sin_addr);
      len = sizeof(sockaddr_in);
    } else {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons(port);
      inet_pton(AF_INET6, address.c_str(), &in6->sin6_addr);
      len = sizeof(sockaddr_in6);
    }
    UniqueFd fd(socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd.valid()) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
    if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) == 0) {
      return TcpProbe::kConnected;
    }
    if (errno == ECONNREFUSED) return TcpProbe::kRefused;
    if (errno != EINPROGRESS) {
      throw std::runtime_error("connect: " + std::string(std::strerror(errno)));
    }
    pollfd pfd{fd.get(), POLLOUT, 0};
    int ready = poll(&pfd, 1, static_cast<int>(timeout.count()));
    if (ready == 0) return TcpProbe::kTimedOut;
    int error = 0;
    socklen_t error_len = sizeof(error);
    getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &error_len);
    if (error == 0) return TcpProbe::kConnected;
    if (error == ECONNREFUSED) return TcpProbe::kRefused;
    throw std::runtime_error("connect: " + std::string(std::strerror(error)));
  });
}

}  // namespace kr::test
