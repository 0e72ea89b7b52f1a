#include "test/privileged/netpol/pod_network.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace kr::netpol_test {
namespace {

// The node's address on every pod link (the same address on each of them).
constexpr const char* kGateway4 = "192.0.2.1";
constexpr const char* kGateway6 = "2001:db8:ffff::1";

bool IsV6(const std::string& ip) {
  return ip.find(':') != std::string::npos;
}

// Wildcard (ip empty) or a given address, with a port, as a socket address of its family.
socklen_t Address(const std::string& ip, bool v6, int port, sockaddr_storage& storage) {
  storage = {};
  if (v6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<uint16_t>(port));
    if (!ip.empty()) inet_pton(AF_INET6, ip.c_str(), &in6->sin6_addr);
    return sizeof(sockaddr_in6);
  }
  auto* in = reinterpret_cast<sockaddr_in*>(&storage);
  in->sin_family = AF_INET;
  in->sin_port = htons(static_cast<uint16_t>(port));
  if (!ip.empty()) inet_pton(AF_INET, ip.c_str(), &in->sin_addr);
  return sizeof(sockaddr_in);
}

int SocketType(const std::string& protocol) {
  return protocol == "UDP" ? SOCK_DGRAM : SOCK_STREAM;
}
int SocketProtocol(const std::string& protocol) {
  return protocol == "SCTP" ? IPPROTO_SCTP : 0;
}

test::UniqueFd Bound(bool v6, const ProbePort& serve) {
  const int type = SocketType(serve.protocol);
  const int port = serve.port;
  test::UniqueFd fd(socket(v6 ? AF_INET6 : AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK,
                           SocketProtocol(serve.protocol)));
  int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_storage addr;
  socklen_t len = Address("", v6, port, addr);
  if (!fd.valid() || bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      (type == SOCK_STREAM && listen(fd.get(), 128) != 0)) {
    throw std::runtime_error(serve.protocol +
                             " server socket: " + std::string(std::strerror(errno)));
  }
  return fd;
}

// Every probe gets a source port of its own, so that no probe can ride on a conntrack entry
// left by an earlier one (which would bypass the new rules as ESTABLISHED).
std::atomic<int> next_source_port{20000};

// Runs in a thread that is inside the source pod's namespace.
bool Connect(const std::string& ip, const ProbePort& port, int timeout_ms) {
  const bool udp = port.protocol == "UDP";
  const bool v6 = IsV6(ip);
  test::UniqueFd fd(socket(v6 ? AF_INET6 : AF_INET,
                           SocketType(port.protocol) | SOCK_CLOEXEC | SOCK_NONBLOCK,
                           SocketProtocol(port.protocol)));
  sockaddr_storage source;
  socklen_t source_len = Address("", v6, next_source_port++ % 40000 + 20000, source);
  int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&source), source_len) != 0) return false;
  sockaddr_storage addr;
  socklen_t len = Address(ip, v6, port.port, addr);
  int rc = connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), len);
  if (rc != 0 && errno != EINPROGRESS) return false;
  if (udp) {
    if (send(fd.get(), "ping", 4, 0) != 4) return false;
  }
  pollfd p{fd.get(), static_cast<short>(udp ? POLLIN : POLLOUT), 0};
  if (poll(&p, 1, timeout_ms) != 1) return false;
  if (udp) {
    char buffer[8];
    return recv(fd.get(), buffer, sizeof(buffer), 0) == 4;
  }
  int error = 0;
  socklen_t error_len = sizeof(error);
  getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &error_len);
  return error == 0;
}

}  // namespace

std::vector<ProbePort> DefaultPorts() {
  return {{80, "TCP"}, {81, "TCP"}, {80, "UDP"}};
}

PodNetwork::PodNetwork(const std::vector<PodEndpoint>& pods, const std::vector<ProbePort>& serve)
    : pods_(pods) {
  const bool v6 = !pods_.empty() && IsV6(pods_.front().ip);
  const std::string gateway = v6 ? kGateway6 : kGateway4;
  const std::string host_prefix = v6 ? "/128" : "/32";
  node_ = std::make_unique<test::NetNs>("node");
  for (const char* sysctl : {"net.ipv4.ip_forward=1", "net.ipv4.icmp_ratelimit=0",
                             "net.ipv4.conf.all.rp_filter=0", "net.ipv6.conf.all.forwarding=1",
                             "net.ipv6.icmp.ratelimit=0", "net.ipv6.conf.default.accept_dad=0"}) {
    node_->ExecOrThrow({"sysctl", "-qw", sysctl});
  }
  const std::string ip_family = v6 ? "-6" : "-4";
  for (std::size_t i = 0; i < pods_.size(); ++i) {
    const PodEndpoint& pod = pods_[i];
    pod_ns_.push_back(std::make_unique<test::NetNs>(pod.ns + pod.name));
    test::NetNs& ns = *pod_ns_.back();
    const std::string link = "p" + std::to_string(i);
    links_.push_back(std::make_unique<test::VethPair>(*node_, link, ns, "eth0"));
    ns.AddAddress("eth0", pod.ip + host_prefix);
    ns.ExecOrThrow({"ip", ip_family, "route", "add", gateway, "dev", "eth0"});
    ns.ExecOrThrow({"ip", ip_family, "route", "add", "default", "via", gateway, "dev", "eth0"});
    node_->AddAddress(link, gateway + host_prefix);
    node_->ExecOrThrow({"ip", ip_family, "route", "add", pod.ip + host_prefix, "dev", link});
    ns.Run([&] {
      for (const ProbePort& port : serve) {
        listeners_.push_back(Bound(v6, port));
        is_udp_.push_back(port.protocol == "UDP");
      }
    });
  }
  stop_ = test::UniqueFd(eventfd(0, EFD_CLOEXEC));
  server_ = std::thread([this] { Serve(); });
}

PodNetwork::~PodNetwork() {
  uint64_t one = 1;
  if (write(stop_.get(), &one, sizeof(one)) < 0) std::perror("eventfd write");
  server_.join();
  listeners_.clear();
  links_.clear();
  pod_ns_.clear();
  node_.reset();
}

void PodNetwork::Serve() {
  std::vector<pollfd> fds;
  for (const auto& fd : listeners_) fds.push_back({fd.get(), POLLIN, 0});
  fds.push_back({stop_.get(), POLLIN, 0});
  while (true) {
    if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) return;
    if (fds.back().revents != 0) return;
    for (std::size_t i = 0; i + 1 < fds.size(); ++i) {
      if ((fds[i].revents & POLLIN) == 0) continue;
      if (is_udp_[i]) {
        char buffer[64];
        sockaddr_storage from{};
        socklen_t len = sizeof(from);
        ssize_t n = recvfrom(fds[i].fd, buffer, sizeof(buffer), 0,
                             reinterpret_cast<sockaddr*>(&from), &len);
        if (n > 0) sendto(fds[i].fd, buffer, n, 0, reinterpret_cast<sockaddr*>(&from), len);
      } else {
        int client = accept4(fds[i].fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (client >= 0) close(client);
      }
    }
  }
}

bool PodNetwork::ProbeOne(std::size_t src, std::size_t dst, const ProbePort& port,
                          int timeout_ms) const {
  if (src == dst) return true;
  return pod_ns_[src]->Run([&] { return Connect(pods_[dst].ip, port, timeout_ms); });
}

bool PodNetwork::ProbeFromNode(std::size_t dst, const ProbePort& port, int timeout_ms) const {
  return node_->Run([&] { return Connect(pods_[dst].ip, port, timeout_ms); });
}

PodNetwork::Grid PodNetwork::Probe(const std::vector<ProbePort>& ports, int timeout_ms) const {
  Grid grid(pods_.size(),
            std::vector<std::vector<bool>>(pods_.size(), std::vector<bool>(ports.size(), true)));
  std::vector<std::thread> workers;
  std::atomic<bool> failed{false};
  // One thread per ordered pair: a blocked probe may wait for its timeout (TCP over IPv6 sees
  // the ICMPv6 reject only on the SYN's retransmission, after a second).
  for (std::size_t src = 0; src < pods_.size(); ++src) {
    for (std::size_t dst = 0; dst < pods_.size(); ++dst) {
      if (dst == src) continue;
      workers.emplace_back([&, src, dst] {
        try {
          test::EnterNetNs(pod_ns_[src]->name());
          for (std::size_t p = 0; p < ports.size(); ++p) {
            grid[src][dst][p] = Connect(pods_[dst].ip, ports[p], timeout_ms);
          }
        } catch (...) {
          failed = true;
        }
      });
    }
  }
  for (auto& worker : workers) worker.join();
  if (failed) throw std::runtime_error("a probe thread could not enter its namespace");
  return grid;
}

}  // namespace kr::netpol_test
