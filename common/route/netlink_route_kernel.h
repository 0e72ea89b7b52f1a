// RouteKernel over rtnetlink (libmnl). See route_kernel.h for the contract.
//
// libmnl rather than libnl-route: routed's requests are a handful of fixed shapes, which
// libmnl lets us build byte for byte in pure functions (route_codec.h, link_codec.h) that unit
// tests inspect without a kernel; libnl's caches would add a second copy of the tables we
// dump anyway, and libmnl lets thousands of route requests share one sendmsg.
//
// Route writes (Apply and the single-route calls) go without an ack per request: the kernel
// answers only the ones it refuses, which Apply still reports at their index
// (NetlinkSocket::Answers::kErrorsOnly). Tunnel writes keep their acks.
//
// Threading: not thread-safe. The kernel is the one of the network namespace of the thread
// that called Create, for the object's whole life.
#pragma once

#include <string>

#include "common/route/netlink_socket.h"
#include "common/route/route_kernel.h"

namespace kr::route {

class NetlinkRouteKernel : public RouteKernel {
 public:
  static Expected<NetlinkRouteKernel> Create(RouteProtocol protocol = kDefaultRouteProtocol);

  RouteProtocol protocol() const override { return protocol_; }

  Status AddRoute(const Route& route) override;
  Status ReplaceRoute(const Route& route) override;
  Status DeleteRoute(const Route& route) override;
  Expected<std::vector<Route>> DumpRoutes(const RouteFilter& filter) override;
  std::vector<Status> Apply(std::span<const RouteOp> ops) override;

  Status CreateTunnel(const TunnelSpec& spec) override;
  Status DeleteTunnel(const std::string& name) override;
  Expected<std::vector<Tunnel>> ListTunnels() override;

 private:
  NetlinkRouteKernel(NetlinkSocket socket, RouteProtocol protocol)
      : socket_(std::move(socket)), protocol_(protocol) {}

  Status ApplyOne(const RouteOp& op);

  NetlinkSocket socket_;
  RouteProtocol protocol_;
};

}  // namespace kr::route
