// The kernel's cost of adding N IPv4 routes over rtnetlink, with an ack per route (NLM_F_ACK)
// and without (the kernel then answers only failures), as route requests built by
// route::BuildRouteRequest, many per sendmsg; with a listener on the route announcements (as
// the bgp_bench route monitor, or BIRD itself, makes one); and through
// NetlinkRouteKernel::Apply as RouteInstaller calls it. Run as root; prints wall time and the
// writing thread's CPU (rtnetlink handles the requests inside sendmsg, so the raw modes' CPU is
// the kernel's work) per mode and round, alternating the modes.
//
//   route_write_bench [N] [--rounds R]      N = 5,000, R = 5
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/route/netlink_route_kernel.h"
#include "common/route/route_codec.h"
#include "test/support/netns.h"

namespace kr::bench {
namespace {

constexpr size_t kChunkBytes = 32 * 1024;

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

route::Route NthRoute(uint32_t i) {
  route::Route r;
  const uint32_t prefix = (10u << 24) + (i << 8);
  const uint8_t bytes[4] = {static_cast<uint8_t>(prefix >> 24), static_cast<uint8_t>(prefix >> 16),
                            static_cast<uint8_t>(prefix >> 8), 0};
  r.destination = *route::IpPrefix::Make(*route::IpAddress::FromBytes(AF_INET, {bytes, 4}), 24);
  const uint8_t gateway[4] = {192, 0, 2, 2};
  r.next_hops.push_back(
      route::NextHop{.gateway = *route::IpAddress::FromBytes(AF_INET, {gateway, 4})});
  return r;
}

std::vector<std::vector<uint8_t>> Requests(uint32_t count, route::RouteOp::Kind kind, bool ack) {
  std::vector<std::vector<uint8_t>> requests;
  for (uint32_t i = 0; i < count; ++i) {
    auto request = route::BuildRouteRequest(kind, NthRoute(i), 17);
    if (!request) throw std::runtime_error(request.error().message);
    auto* header = reinterpret_cast<nlmsghdr*>(request->data());
    header->nlmsg_seq = i + 1;
    if (!ack) header->nlmsg_flags &= static_cast<uint16_t>(~NLM_F_ACK);
    requests.push_back(std::move(*request));
  }
  return requests;
}

struct Result {
  double wall = 0;
  double cpu = 0;
  size_t errors = 0;
};

// Sends `requests` in chunks of up to `per_chunk` requests, reading the answers after each
// chunk without waiting (they are queued by the time sendmsg returns).
Result Send(mnl_socket* socket, const std::vector<std::vector<uint8_t>>& requests,
            size_t per_chunk) {
  Result result;
  std::vector<uint8_t> chunk;
  std::vector<uint8_t> buffer(256 * 1024);
  const auto start = std::chrono::steady_clock::now();
  const double cpu = ThreadCpuSeconds();
  for (size_t next = 0; next < requests.size();) {
    chunk.clear();
    size_t n = 0;
    while (next < requests.size() && n < per_chunk &&
           chunk.size() + requests[next].size() <= kChunkBytes) {
      chunk.insert(chunk.end(), requests[next].begin(), requests[next].end());
      ++next;
      ++n;
    }
    if (mnl_socket_sendto(socket, chunk.data(), chunk.size()) < 0) {
      throw std::runtime_error("sendto failed");
    }
    for (;;) {
      const ssize_t got =
          recv(mnl_socket_get_fd(socket), buffer.data(), buffer.size(), MSG_DONTWAIT);
      if (got <= 0) break;
      int left = static_cast<int>(got);
      for (auto* m = reinterpret_cast<const nlmsghdr*>(buffer.data()); mnl_nlmsg_ok(m, left);
           m = mnl_nlmsg_next(m, &left)) {
        if (m->nlmsg_type != NLMSG_ERROR) continue;
        const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(m));
        if (err->error != 0) ++result.errors;
      }
    }
  }
  result.cpu = ThreadCpuSeconds() - cpu;
  result.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

// A socket to listen to route announcements (joining RTNLGRP_IPV4_ROUTE when a mode asks)
// without reading them during the writes, as a route monitor or BIRD's own kernel protocol
// makes the kernel deliver them.
int Listener() {
  const int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  sockaddr_nl address{};
  address.nl_family = AF_NETLINK;
  int bytes = 16 << 20;
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0 ||
      bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    throw std::runtime_error("listener socket");
  }
  return fd;
}

void Drain(int fd) {
  std::vector<uint8_t> buffer(256 * 1024);
  while (recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT) > 0) {
  }
}

void Run(uint32_t count, int rounds) {
  test::NetNs a("rwa");
  test::NetNs b("rwb");
  test::VethPair link(a, "eth0", b, "eth0");
  a.AddAddress("eth0", "192.0.2.1/24");
  mnl_socket* socket = a.Run([] {
    mnl_socket* s = mnl_socket_open(NETLINK_ROUTE);
    if (s == nullptr || mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
      throw std::runtime_error("netlink socket");
    }
    int on = 1;
    mnl_socket_setsockopt(s, NETLINK_CAP_ACK, &on, sizeof on);
    mnl_socket_setsockopt(s, NETLINK_EXT_ACK, &on, sizeof on);
    int bytes = 4 << 20;
    setsockopt(mnl_socket_get_fd(s), SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes);
    return s;
  });
  auto kernel = a.Run([] { return route::NetlinkRouteKernel::Create(17); });
  if (!kernel) throw std::runtime_error(kernel.error().message);
  const int listener = a.Run([] { return Listener(); });
  std::vector<route::RouteOp> ops;
  for (uint32_t i = 0; i < count; ++i) ops.push_back({route::RouteOp::Kind::kAdd, NthRoute(i)});

  const auto raw = [&](bool ack, size_t per_chunk) {
    return [&, ack, per_chunk] {
      return Send(socket, Requests(count, route::RouteOp::Kind::kAdd, ack), per_chunk);
    };
  };
  struct Mode {
    const char* name;
    std::function<Result()> add;
    bool listen = false;
  };
  const std::vector<Mode> modes = {
      {"raw, ack, 64 per sendmsg", raw(true, 64)},
      {"raw, no ack, 64 per sendmsg", raw(false, 64)},
      {"raw, no ack, 32 KiB", raw(false, 100000)},
      {"raw, no ack, 32 KiB, listener", raw(false, 100000), true},
      // What RouteInstaller::Update does: Route ops in slices of 256, requests built and sent.
      {"Apply, slices of 256",
       [&] {
         Result result;
         const auto start = std::chrono::steady_clock::now();
         const double cpu = ThreadCpuSeconds();
         const std::span<const route::RouteOp> all(ops);
         for (size_t at = 0; at < all.size(); at += 256) {
           for (const Status& s :
                kernel->Apply(all.subspan(at, std::min<size_t>(256, all.size() - at)))) {
             result.errors += !s.ok();
           }
         }
         result.cpu = ThreadCpuSeconds() - cpu;
         result.wall =
             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
         return result;
       }},
  };
  const auto deletes = Requests(count, route::RouteOp::Kind::kDelete, false);
  std::printf("%u IPv4 routes via one gateway, per round: wall ms, writer CPU ms (us/route)\n",
              count);
  std::vector<std::vector<double>> cpus(modes.size());
  for (int r = 0; r < rounds; ++r) {
    for (size_t m = 0; m < modes.size(); ++m) {
      // The listener is a member of the group only while a mode asks for it.
      int group = RTNLGRP_IPV4_ROUTE;
      if (modes[m].listen) {
        setsockopt(listener, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group);
      }
      // The raw modes' requests are built before the clock starts (in the clock for Apply).
      const Result added = modes[m].add();
      if (modes[m].listen) {
        setsockopt(listener, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, &group, sizeof group);
      }
      Drain(listener);
      const Result removed = Send(socket, deletes, 100000);
      if (added.errors != 0 || removed.errors != 0) {
        throw std::runtime_error("errors: " + std::to_string(added.errors) + " adding, " +
                                 std::to_string(removed.errors) + " removing");
      }
      cpus[m].push_back(added.cpu);
      std::printf("round %d  %-32s %7.1f ms wall %7.1f ms CPU (%.2f us/route)\n", r + 1,
                  modes[m].name, added.wall * 1e3, added.cpu * 1e3, added.cpu * 1e6 / count);
    }
  }
  for (size_t m = 0; m < modes.size(); ++m) {
    std::sort(cpus[m].begin(), cpus[m].end());
    std::printf("median %-32s %7.1f ms CPU (%.2f us/route)\n", modes[m].name,
                cpus[m][cpus[m].size() / 2] * 1e3, cpus[m][cpus[m].size() / 2] * 1e6 / count);
  }
  close(listener);
  mnl_socket_close(socket);
}

}  // namespace
}  // namespace kr::bench

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  int rounds = 5;
  uint32_t count = 5000;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--rounds" && i + 1 < args.size()) {
      rounds = std::max(1, std::atoi(args[++i].c_str()));
    } else {
      count = static_cast<uint32_t>(std::stoul(args[i]));
    }
  }
  if (geteuid() != 0) {
    std::fprintf(stderr, "route_write_bench: needs root (network namespaces)\n");
    return 77;
  }
  try {
    kr::bench::Run(count, rounds);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "route_write_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
