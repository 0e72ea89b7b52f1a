#include "common/route/fake_route_kernel.h"

#include "common/route/link_codec.h"
#include "common/route/route_codec.h"

namespace kr::route {

std::optional<Error> FakeRouteKernel::TakeFailure() {
  std::optional<Error> failure = std::move(fail_next_);
  fail_next_.reset();
  return failure;
}

Status FakeRouteKernel::CheckShape(RouteOp::Kind kind, const Route& route) const {
  auto request = BuildRouteRequest(kind, route, protocol_);
  if (!request) return request.error();
  return Status::Ok();
}

Status FakeRouteKernel::AddRoute(const Route& route) {
  ++route_writes_;
  if (auto failure = TakeFailure()) return *failure;
  if (Status shape = CheckShape(RouteOp::Kind::kAdd, route); !shape) return shape;
  const RouteKey key = KeyOf(route);
  if (routes_.contains(key)) return Error::FromErrno(EEXIST, "add " + route.ToString());
  routes_.emplace(key, Entry{Normalized(route), protocol_});
  return Status::Ok();
}

Status FakeRouteKernel::ReplaceRoute(const Route& route) {
  ++route_writes_;
  if (auto failure = TakeFailure()) return *failure;
  if (Status shape = CheckShape(RouteOp::Kind::kReplace, route); !shape) return shape;
  // As the kernel: whatever route holds the key is replaced, and becomes ours.
  routes_[KeyOf(route)] = Entry{Normalized(route), protocol_};
  return Status::Ok();
}

Status FakeRouteKernel::DeleteRoute(const Route& route) {
  ++route_writes_;
  if (auto failure = TakeFailure()) return *failure;
  if (Status shape = CheckShape(RouteOp::Kind::kDelete, route); !shape) return shape;
  const auto it = routes_.find(KeyOf(route));
  if (it == routes_.end() || it->second.protocol != protocol_) {
    return Error::FromErrno(ESRCH, "delete " + route.ToString());
  }
  routes_.erase(it);
  return Status::Ok();
}

Expected<std::vector<Route>> FakeRouteKernel::DumpRoutes(const RouteFilter& filter) {
  if (auto failure = TakeFailure()) return *failure;
  std::vector<Route> routes;
  for (const auto& [key, entry] : routes_) {
    if (entry.protocol == protocol_ && filter.Matches(entry.route)) routes.push_back(entry.route);
  }
  return routes;
}

Status FakeRouteKernel::CreateTunnel(const TunnelSpec& spec) {
  if (auto failure = TakeFailure()) return *failure;
  auto request = BuildCreateTunnelRequest(spec);
  if (!request) return request.error();
  if (tunnels_.contains(spec.name) || plain_interfaces_.contains(spec.name)) {
    return Error::FromErrno(EEXIST, "create tunnel " + spec.name);
  }
  tunnels_[spec.name] = Tunnel{spec, next_ifindex_++, true};
  return Status::Ok();
}

Status FakeRouteKernel::DeleteTunnel(const std::string& name) {
  if (auto failure = TakeFailure()) return *failure;
  if (plain_interfaces_.contains(name)) {
    return Error{EINVAL, "delete tunnel " + name + ": not an ipip/ip6ip6 tunnel, left alone"};
  }
  if (tunnels_.erase(name) == 0) return Error::FromErrno(ENODEV, "delete tunnel " + name);
  return Status::Ok();
}

Expected<std::vector<Tunnel>> FakeRouteKernel::ListTunnels() {
  if (auto failure = TakeFailure()) return *failure;
  std::vector<Tunnel> tunnels;
  for (const auto& [name, tunnel] : tunnels_) tunnels.push_back(tunnel);
  return tunnels;
}

void FakeRouteKernel::AddForeignRoute(const Route& route, RouteProtocol protocol) {
  routes_[KeyOf(route)] = Entry{Normalized(route), protocol};
}

void FakeRouteKernel::AddPlainInterface(const std::string& name) {
  plain_interfaces_.insert(name);
}

std::vector<Route> FakeRouteKernel::OurRoutes() const {
  std::vector<Route> routes;
  for (const auto& [key, entry] : routes_) {
    if (entry.protocol == protocol_) routes.push_back(entry.route);
  }
  return routes;
}

std::vector<Route> FakeRouteKernel::ForeignRoutes() const {
  std::vector<Route> routes;
  for (const auto& [key, entry] : routes_) {
    if (entry.protocol != protocol_) routes.push_back(entry.route);
  }
  return routes;
}

}  // namespace kr::route
