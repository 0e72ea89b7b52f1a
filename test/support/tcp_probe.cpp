#include "test/support/tcp_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace kr::test {
namespace {

std::runtime_error SystemError(const char* what, int error) {
  return std::runtime_error(std::string(what) + ": " + std::strerror(error));
}

}  // namespace

std::string AddressText(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&address)->sin_addr, text,
              sizeof text);
  } else {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&address)->sin6_addr, text,
              sizeof text);
  }
  return text;
}

SocketAddress ParseSocketAddress(const std::string& ip, uint16_t port) {
  SocketAddress address;
  int parsed = 0;
  if (ip.find(':') == std::string::npos) {
    auto* in = reinterpret_cast<sockaddr_in*>(&address.storage);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    parsed = inet_pton(AF_INET, ip.c_str(), &in->sin_addr);
    address.length = sizeof(sockaddr_in);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    parsed = inet_pton(AF_INET6, ip.c_str(), &in6->sin6_addr);
    address.length = sizeof(sockaddr_in6);
  }
  if (parsed != 1) throw std::invalid_argument("not an IP address: " + ip);
  return address;
}

std::string PeerAddressOf(int fd) {
  sockaddr_storage peer{};
  socklen_t length = sizeof peer;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0) return "?";
  return AddressText(peer);
}

std::string LocalAddressOf(int fd) {
  sockaddr_storage local{};
  socklen_t length = sizeof local;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) return "?";
  return AddressText(local);
}

TcpListener ListenTcp(const NetNs& ns, int family) {
  return ns.Run([family] {
    UniqueFd fd(socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) throw SystemError("socket", errno);
    sockaddr_storage addr{};
    socklen_t len = family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    addr.ss_family = static_cast<sa_family_t>(family);
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(fd.get(), 64) != 0 ||
        getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw SystemError("listen", errno);
    }
    std::uint16_t port = family == AF_INET ? reinterpret_cast<sockaddr_in*>(&addr)->sin_port
                                           : reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port;
    return TcpListener{std::move(fd), ntohs(port)};
  });
}

const char* ToString(TcpProbe probe) {
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

TcpProbe ConnectTcp(const NetNs& ns, const std::string& address, std::uint16_t port,
                    std::chrono::milliseconds timeout) {
  const SocketAddress remote = ParseSocketAddress(address, port);
  return ns.Run([&] {
    UniqueFd fd(socket(remote.family(), SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd.valid()) throw SystemError("socket", errno);
    if (connect(fd.get(), remote.get(), remote.length) == 0) return TcpProbe::kConnected;
    if (errno == ECONNREFUSED) return TcpProbe::kRefused;
    if (errno != EINPROGRESS) throw SystemError("connect", errno);
    pollfd pfd{fd.get(), POLLOUT, 0};
    if (poll(&pfd, 1, static_cast<int>(timeout.count())) == 0) return TcpProbe::kTimedOut;
    int error = 0;
    socklen_t error_len = sizeof(error);
    getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &error_len);
    if (error == 0) return TcpProbe::kConnected;
    if (error == ECONNREFUSED) return TcpProbe::kRefused;
    throw SystemError("connect", error);
  });
}

TcpProbe ProbeTcp(const NetNs& from, const NetNs& to, const std::string& to_address,
                  std::chrono::milliseconds timeout) {
  const int family = ParseSocketAddress(to_address, 0).family();
  TcpListener listener = ListenTcp(to, family);
  return ConnectTcp(from, to_address, listener.port, timeout);
}

std::string ConnectAndSeeSource(const NetNs& from, const NetNs& to, const std::string& to_ip,
                                uint16_t port) {
  const SocketAddress remote = ParseSocketAddress(to_ip, port);
  if (remote.family() != AF_INET) throw std::invalid_argument("not an IPv4 address: " + to_ip);
  UniqueFd listener = to.Run([&] {
    UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const int on = 1;
    setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (bind(fd.get(), remote.get(), remote.length) != 0 || listen(fd.get(), 4) != 0) {
      throw SystemError("listen", errno);
    }
    return fd;
  });
  int connect_errno = 0;
  UniqueFd client = from.Run([&] {
    UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    timeval timeout{10, 0};  // a bound for a broken path, not a synchronization
    setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    if (connect(fd.get(), remote.get(), remote.length) != 0) {
      connect_errno = errno;
      return UniqueFd();
    }
    return fd;
  });
  if (!client.valid()) return std::string("error: connect: ") + std::strerror(connect_errno);
  pollfd ready{listener.get(), POLLIN, 0};
  if (poll(&ready, 1, 10000) != 1) return "error: nothing to accept";
  UniqueFd accepted(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!accepted.valid()) return std::string("error: accept: ") + std::strerror(errno);
  const std::string peer = PeerAddressOf(accepted.get());
  return peer == "?" ? std::string("error: getpeername: ") + std::strerror(errno) : peer;
}

}  // namespace kr::test
