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

sockaddr_in Address(const std::string& ip, uint16_t port) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  if (inet_pton(AF_INET, ip.c_str(), &sin.sin_addr) != 1) {
    throw std::invalid_argument("not an IPv4 address: " + ip);
  }
  return sin;
}

}  // namespace

std::string ConnectAndSeeSource(const NetNs& from, const NetNs& to, const std::string& to_ip,
                                uint16_t port) {
  const sockaddr_in remote = Address(to_ip, port);
  UniqueFd listener = to.Run([&] {
    UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const int on = 1;
    setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&remote), sizeof remote) != 0 ||
        listen(fd.get(), 4) != 0) {
      throw std::runtime_error(std::string("listen: ") + std::strerror(errno));
    }
    return fd;
  });
  int connect_errno = 0;
  UniqueFd client = from.Run([&] {
    UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    timeval timeout{10, 0};  // a bound for a broken path, not a synchronization
    setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&remote), sizeof remote) != 0) {
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
  sockaddr_in peer{};
  socklen_t length = sizeof peer;
  if (getpeername(accepted.get(), reinterpret_cast<sockaddr*>(&peer), &length) != 0) {
    return std::string("error: getpeername: ") + std::strerror(errno);
  }
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &peer.sin_addr, text, sizeof text);
  return text;
}

}  // namespace kr::test
