// The BGP control socket server: a unix stream socket speaking control_protocol.h, answered
// from a ControlSource.
//
//   SpeakerControlSource source(*speaker);
//   auto server = ControlServer::Start(source, "/var/run/kr-node/routed-bgp.sock");
//
// Start creates the socket's directory when missing (0755), replaces a stale socket file left
// by a dead process (but refuses when a live server answers there, or when the path is not a
// socket), binds, sets mode 0600 before listen() so nobody can connect through a wider mode
// in between, and starts one serving thread.
//
// Threading: one thread serves one connection at a time (clients are people and scripts; a
// query takes milliseconds). A client idle for kIdleTimeout, or one that does not read its
// answer for kIdleTimeout, is dropped. The source must outlive the server; the destructor
// stops the thread (waiting at most for the request being answered), closes the socket and
// removes the socket file.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "common/base/expected.h"
#include "services/routed/bgp/control/control_types.h"

namespace kr::bgp::control {

inline constexpr const char* kDefaultSocketPath = "/var/run/kr-node/routed-bgp.sock";

class ControlServer {
 public:
  static constexpr std::chrono::seconds kIdleTimeout{10};

  static Expected<std::unique_ptr<ControlServer>> Start(ControlSource& source, std::string path);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  const std::string& path() const { return path_; }
  uint64_t requests_served() const { return requests_served_.load(); }

 private:
  ControlServer(ControlSource& source, std::string path, int listen_fd, int stop_fd);
  void Serve();
  void ServeConnection(int fd);
  // Waits until fd is ready for `events`, the server stops (false) or kIdleTimeout (false).
  bool WaitReady(int fd, short events);
  bool WriteAll(int fd, const std::string& data);

  ControlSource& source_;
  std::string path_;
  int listen_fd_;
  int stop_fd_;  // eventfd: written once by the destructor
  std::atomic<uint64_t> requests_served_{0};
  std::thread thread_;
};

}  // namespace kr::bgp::control
