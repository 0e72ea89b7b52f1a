// The reachability matrix's network (IPv4 or IPv6, after the pods' addresses): a "node"
// network namespace and one network namespace per
// pod, each pod joined to the node by a veth pair with a /32 route (no bridge: the host kernel
// has no br_netfilter, and routing makes every pod-to-pod packet cross the node's FORWARD
// chain, where policyd's rules go). Every pod runs a server on each port it is given (by default
// TCP 80, TCP 81 and UDP 80; SCTP only where the kernel has SCTP sockets, i.e. in the vm tier).
// Everything is removed on destruction.
//
// Threading: construct and destroy on one thread; Probe runs one worker thread per pod pair.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "test/support/netns.h"

namespace kr::netpol_test {

struct PodEndpoint {
  std::string ns;
  std::string name;
  std::string ip;
};

struct ProbePort {
  int port;
  std::string protocol;  // "TCP", "UDP" or "SCTP"
};

// TCP 80, TCP 81, UDP 80: what the host kernel can serve.
std::vector<ProbePort> DefaultPorts();

class PodNetwork {
 public:
  explicit PodNetwork(const std::vector<PodEndpoint>& pods,
                      const std::vector<ProbePort>& serve = DefaultPorts());
  ~PodNetwork();
  PodNetwork(const PodNetwork&) = delete;
  PodNetwork& operator=(const PodNetwork&) = delete;

  const test::NetNs& node() const { return *node_; }
  const std::vector<PodEndpoint>& pods() const { return pods_; }

  // result[src][dst][port index]: whether a connection got through (TCP, SCTP: connected;
  // UDP: the echo came back). Self pairs (never leave the pod) are reported as true.
  using Grid = std::vector<std::vector<std::vector<bool>>>;
  Grid Probe(const std::vector<ProbePort>& ports, int timeout_ms) const;
  bool ProbeOne(std::size_t src, std::size_t dst, const ProbePort& port, int timeout_ms) const;
  // From the node namespace itself (its address on the pod links) to a pod.
  bool ProbeFromNode(std::size_t dst, const ProbePort& port, int timeout_ms) const;

 private:
  void Serve();

  std::vector<PodEndpoint> pods_;
  std::unique_ptr<test::NetNs> node_;
  std::vector<std::unique_ptr<test::NetNs>> pod_ns_;
  std::vector<std::unique_ptr<test::VethPair>> links_;
  std::vector<test::UniqueFd> listeners_;  // TCP listeners and UDP sockets
  std::vector<bool> is_udp_;
  test::UniqueFd stop_;  // eventfd that ends the server thread
  std::thread server_;
};

}  // namespace kr::netpol_test
