// An in-memory RouteKernel answering like the kernel (see route_kernel.h), for unit tests of
// routed: routes live in one map per key, whatever protocol owns them.
//
//   FakeRouteKernel kernel;                                   // protocol 17
//   kernel.AddForeignRoute(static_route, RTPROT_STATIC);      // `ip route add ... proto static`
//   routed.Sync(kernel);                                      // code under test
//   CHECK(kernel.OurRoutes() == expected);
//   CHECK(kernel.ForeignRoutes().size() == 1);                // left alone
//
// Not modelled: gateway reachability (ENETUNREACH) and interface existence for routes. The
// request shape is checked by the real codec, so malformed routes get the same EINVAL.
// Threading: not thread-safe.
#pragma once

#include <map>
#include <optional>
#include <set>

#include "common/route/route_kernel.h"

namespace kr::route {

class FakeRouteKernel : public RouteKernel {
 public:
  explicit FakeRouteKernel(RouteProtocol protocol = kDefaultRouteProtocol) : protocol_(protocol) {}

  RouteProtocol protocol() const override { return protocol_; }
  Status AddRoute(const Route& route) override;
  Status ReplaceRoute(const Route& route) override;
  Status DeleteRoute(const Route& route) override;
  Expected<std::vector<Route>> DumpRoutes(const RouteFilter& filter) override;

  Status CreateTunnel(const TunnelSpec& spec) override;
  Status DeleteTunnel(const std::string& name) override;
  Expected<std::vector<Tunnel>> ListTunnels() override;

  // Test setup and inspection.
  void AddForeignRoute(const Route& route, RouteProtocol protocol);
  void AddPlainInterface(const std::string& name);  // an interface that is no tunnel
  std::vector<Route> OurRoutes() const;             // normalized, ordered by key
  std::vector<Route> ForeignRoutes() const;
  // The next call that would reach the kernel (route write, dump or tunnel op) fails with it.
  void FailNextCall(Error error) { fail_next_ = std::move(error); }
  // Route writes attempted (successful or not), to check that a sync is minimal.
  int route_writes() const { return route_writes_; }

 private:
  struct Entry {
    Route route;
    RouteProtocol protocol;
  };
  std::optional<Error> TakeFailure();
  Status CheckShape(RouteOp::Kind kind, const Route& route) const;

  RouteProtocol protocol_;
  std::map<RouteKey, Entry> routes_;
  std::map<std::string, Tunnel> tunnels_;
  std::set<std::string> plain_interfaces_;
  int next_ifindex_ = 100;
  int route_writes_ = 0;
  std::optional<Error> fail_next_;
};

}  // namespace kr::route
