// Watches the kernel announce routes (RTM_NEWROUTE on the RTNLGRP_IPV4_ROUTE multicast group)
// in one network namespace and notes when the routes of one protocol reached a count: the same
// end for whichever program writes them (ours, BIRD's kernel protocol).
//
// The kernel announces a route after it is in the FIB, inside the writer's sendmsg. A thread
// reads the announcements; after each read it sleeps 1 ms before the next, so it wakes at
// most about 1,000 times a second however the writer batches (its CPU is the same small amount
// for either writer), and a time it notes is at most about 1 ms plus its wake-up late. The
// thread runs at real-time priority (SCHED_FIFO 1, when allowed) so that the wake-up is
// prompt on a loaded machine too.
//
// Threading: the reader thread is the object's own; the accessors may be called from any
// thread. Create opens the socket in the calling thread's network namespace.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "common/base/expected.h"

namespace kr::bench {

class RouteMonitor {
 public:
  using Clock = std::chrono::system_clock;

  // Counts distinct IPv4 destinations of main-table unicast routes of `protocol`.
  static Expected<std::unique_ptr<RouteMonitor>> Create(uint8_t protocol, size_t target);
  ~RouteMonitor();
  RouteMonitor(const RouteMonitor&) = delete;
  RouteMonitor& operator=(const RouteMonitor&) = delete;

  size_t count() const { return count_.load(); }
  // When the read that found the first route / the target-th route returned.
  std::optional<Clock::time_point> first() const;
  std::optional<Clock::time_point> reached() const;
  // The kernel dropped announcements for want of buffer: the count is then not to be trusted.
  bool overrun() const { return overrun_.load(); }
  // CPU the reader thread used, in seconds, and its thread id (0 until it started).
  double cpu_seconds() const;
  pid_t tid() const { return tid_.load(); }

 private:
  RouteMonitor(int socket, int wake, uint8_t protocol, size_t target);
  void Read();

  const int socket_;
  const int wake_;  // eventfd: stops the reader
  const uint8_t protocol_;
  const size_t target_;
  std::atomic<size_t> count_{0};
  std::atomic<bool> overrun_{false};
  std::atomic<int> tid_{0};
  mutable std::mutex mu_;
  std::optional<Clock::time_point> first_;    // guarded by mu_
  std::optional<Clock::time_point> reached_;  // guarded by mu_
  std::thread reader_;
};

}  // namespace kr::bench
