#include "test/bench/bgp/route_monitor.h"

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <unordered_set>
#include <vector>

namespace kr::bench {
namespace {

constexpr int kSocketBufferBytes = 16 << 20;  // 5,000 announcements unread take about 5 MiB
constexpr auto kPause = std::chrono::milliseconds(1);

// The route's IPv4 destination and length when it is a main-table unicast route of
// `protocol`, as one number.
std::optional<uint64_t> Destination(const nlmsghdr* message, uint8_t protocol) {
  if (message->nlmsg_len < NLMSG_LENGTH(sizeof(rtmsg))) return std::nullopt;
  const auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(message));
  if (rtm->rtm_family != AF_INET || rtm->rtm_protocol != protocol || rtm->rtm_type != RTN_UNICAST) {
    return std::nullopt;
  }
  uint32_t table = rtm->rtm_table;
  uint32_t destination = 0;
  const auto* attribute =
      static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(message, sizeof(rtmsg)));
  for (; mnl_attr_ok(attribute, static_cast<int>(
                                    static_cast<const char*>(mnl_nlmsg_get_payload_tail(message)) -
                                    reinterpret_cast<const char*>(attribute)));
       attribute = mnl_attr_next(attribute)) {
    const uint16_t type = mnl_attr_get_type(attribute);
    if (type == RTA_TABLE && mnl_attr_get_payload_len(attribute) == 4) {
      table = mnl_attr_get_u32(attribute);
    } else if (type == RTA_DST && mnl_attr_get_payload_len(attribute) == 4) {
      std::memcpy(&destination, mnl_attr_get_payload(attribute), 4);
    }
  }
  if (table != RT_TABLE_MAIN) return std::nullopt;
  return (static_cast<uint64_t>(destination) << 8) | rtm->rtm_dst_len;
}

}  // namespace

Expected<std::unique_ptr<RouteMonitor>> RouteMonitor::Create(uint8_t protocol, size_t target) {
  const int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return Error::FromErrno(errno, "route monitor socket");
  sockaddr_nl address{};
  address.nl_family = AF_NETLINK;
  address.nl_groups = RTMGRP_IPV4_ROUTE;
  int bytes = kSocketBufferBytes;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0 ||
      bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    const int err = errno;
    close(fd);
    return Error::FromErrno(err, "route monitor bind");
  }
  const int wake = eventfd(0, EFD_CLOEXEC);
  if (wake < 0) {
    const int err = errno;
    close(fd);
    return Error::FromErrno(err, "route monitor eventfd");
  }
  return std::unique_ptr<RouteMonitor>(new RouteMonitor(fd, wake, protocol, target));
}

RouteMonitor::RouteMonitor(int socket, int wake, uint8_t protocol, size_t target)
    : socket_(socket), wake_(wake), protocol_(protocol), target_(target) {
  reader_ = std::thread([this] { Read(); });
}

RouteMonitor::~RouteMonitor() {
  const uint64_t one = 1;
  (void)!write(wake_, &one, sizeof one);
  reader_.join();
  close(socket_);
  close(wake_);
}

std::optional<RouteMonitor::Clock::time_point> RouteMonitor::first() const {
  std::lock_guard lock(mu_);
  return first_;
}

std::optional<RouteMonitor::Clock::time_point> RouteMonitor::reached() const {
  std::lock_guard lock(mu_);
  return reached_;
}

double RouteMonitor::cpu_seconds() const {
  // The first field of schedstat: nanoseconds on a CPU (not the 10 ms ticks of stat).
  std::ifstream in("/proc/self/task/" + std::to_string(tid_.load()) + "/schedstat");
  double nanoseconds = 0;
  in >> nanoseconds;
  return nanoseconds / 1e9;
}

void RouteMonitor::Read() {
  tid_ = static_cast<int>(syscall(SYS_gettid));
  // Real-time priority (root): its wake-ups are then not queued behind whatever else runs on
  // a loaded machine (builds, the side being measured), only its 1 ms pauses remain; it uses
  // the same little CPU either way. Without it the times are noted later, equally for both.
  sched_param priority{};
  priority.sched_priority = 1;
  (void)pthread_setschedparam(pthread_self(), SCHED_FIFO, &priority);
  std::vector<uint8_t> buffer(256 * 1024);
  std::unordered_set<uint64_t> present;
  bool noted_first = false;
  bool noted_reached = false;
  pollfd fds[2] = {{socket_, POLLIN, 0}, {wake_, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0 && errno != EINTR) return;
    if ((fds[1].revents & POLLIN) != 0) return;
    for (;;) {
      const ssize_t received = recv(socket_, buffer.data(), buffer.size(), MSG_DONTWAIT);
      if (received < 0) {
        if (errno == EINTR) continue;
        if (errno == ENOBUFS) {
          overrun_ = true;
          continue;
        }
        break;  // drained
      }
      const Clock::time_point now = Clock::now();
      int left = static_cast<int>(received);
      for (auto* message = reinterpret_cast<const nlmsghdr*>(buffer.data());
           mnl_nlmsg_ok(message, left); message = mnl_nlmsg_next(message, &left)) {
        if (message->nlmsg_type != RTM_NEWROUTE && message->nlmsg_type != RTM_DELROUTE) continue;
        const auto destination = Destination(message, protocol_);
        if (!destination) continue;
        if (message->nlmsg_type == RTM_DELROUTE) {
          present.erase(*destination);
          continue;
        }
        present.insert(*destination);
        if (!noted_first) {
          noted_first = true;
          std::lock_guard lock(mu_);
          first_ = now;
        }
        if (!noted_reached && present.size() >= target_) {
          noted_reached = true;
          std::lock_guard lock(mu_);
          reached_ = now;
        }
      }
      count_ = present.size();
    }
    std::this_thread::sleep_for(kPause);
  }
}

}  // namespace kr::bench
