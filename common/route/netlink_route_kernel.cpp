#include "common/route/netlink_route_kernel.h"

#include <linux/rtnetlink.h>

#include "common/route/link_codec.h"
#include "common/route/route_codec.h"

namespace kr::route {
namespace {

Error WithContext(Error error, const std::string& what) {
  error.message = what + ": " + error.message;
  return error;
}

}  // namespace

Expected<NetlinkRouteKernel> NetlinkRouteKernel::Create(RouteProtocol protocol) {
  auto socket = NetlinkSocket::Open();
  if (!socket) return socket.error();
  return NetlinkRouteKernel(std::move(*socket), protocol);
}

Status NetlinkRouteKernel::AddRoute(const Route& route) {
  return ApplyOne({RouteOp::Kind::kAdd, route});
}

Status NetlinkRouteKernel::ReplaceRoute(const Route& route) {
  return ApplyOne({RouteOp::Kind::kReplace, route});
}

Status NetlinkRouteKernel::DeleteRoute(const Route& route) {
  return ApplyOne({RouteOp::Kind::kDelete, route});
}

Status NetlinkRouteKernel::ApplyOne(const RouteOp& op) {
  return Apply(std::span<const RouteOp>(&op, 1)).front();
}

std::vector<Status> NetlinkRouteKernel::Apply(std::span<const RouteOp> ops) {
  std::vector<Status> results(ops.size());
  std::vector<std::vector<uint8_t>> requests;
  std::vector<size_t> request_op;  // index into ops of each request
  for (size_t i = 0; i < ops.size(); ++i) {
    auto request = BuildRouteRequest(ops[i].kind, ops[i].route, protocol_);
    if (!request) {
      results[i] = request.error();
      continue;
    }
    requests.push_back(std::move(*request));
    request_op.push_back(i);
  }
  // Errors only: an ack per route was a third of the kernel's work per route.
  std::vector<Status> answers =
      socket_.Transact(std::move(requests), NetlinkSocket::Answers::kErrorsOnly);
  for (size_t r = 0; r < answers.size(); ++r) {
    const size_t i = request_op[r];
    if (!answers[r]) results[i] = WithContext(answers[r].error(), ops[i].ToString());
  }
  return results;
}

Expected<std::vector<Route>> NetlinkRouteKernel::DumpRoutes(const RouteFilter& filter) {
  std::vector<Route> routes;
  Status status = socket_.Dump(BuildRouteDumpRequest(filter, protocol_),
                               [&](const nlmsghdr* message) -> Status {
                                 auto parsed = ParseRouteMessage(message);
                                 if (!parsed) return parsed.error();
                                 if (!parsed->has_value()) return Status::Ok();
                                 const ParsedRoute& route = **parsed;
                                 if (route.protocol == protocol_ && route.type == RTN_UNICAST &&
                                     filter.Matches(route.route)) {
                                   routes.push_back(route.route);
                                 }
                                 return Status::Ok();
                               });
  // IPv4 answers a dump of a table that does not exist (yet) with ENOENT: no routes of ours.
  if (!status && status.error().code == ENOENT && filter.table != 0) return routes;
  if (!status) return WithContext(status.error(), "dump routes");
  return routes;
}

Status NetlinkRouteKernel::CreateTunnel(const TunnelSpec& spec) {
  auto request = BuildCreateTunnelRequest(spec);
  if (!request) return request.error();
  std::vector<std::vector<uint8_t>> requests;
  requests.push_back(std::move(*request));
  Status status = socket_.Transact(std::move(requests)).front();
  if (!status) return WithContext(status.error(), "create tunnel " + spec.name);
  return status;
}

Status NetlinkRouteKernel::DeleteTunnel(const std::string& name) {
  std::optional<ParsedLink> found;
  Status dump = socket_.Dump(BuildLinkDumpRequest(), [&](const nlmsghdr* message) -> Status {
    auto link = ParseLinkMessage(message);
    if (!link) return link.error();
    if (link->name == name) found = std::move(*link);
    return Status::Ok();
  });
  if (!dump) return WithContext(dump.error(), "delete tunnel " + name);
  if (!found) return Error{ENODEV, "delete tunnel " + name + ": no such interface"};
  if (!found->tunnel) {
    return Error{EINVAL, "delete tunnel " + name + ": interface of kind \"" + found->kind +
                             "\" is not an ipip/ip6ip6 tunnel, left alone"};
  }
  std::vector<std::vector<uint8_t>> requests;
  requests.push_back(BuildDeleteLinkRequest(found->ifindex));
  Status status = socket_.Transact(std::move(requests)).front();
  if (!status) return WithContext(status.error(), "delete tunnel " + name);
  return status;
}

Expected<std::vector<Tunnel>> NetlinkRouteKernel::ListTunnels() {
  std::vector<Tunnel> tunnels;
  Status status = socket_.Dump(BuildLinkDumpRequest(), [&](const nlmsghdr* message) -> Status {
    auto link = ParseLinkMessage(message);
    if (!link) return link.error();
    if (link->tunnel) tunnels.push_back(std::move(*link->tunnel));
    return Status::Ok();
  });
  if (!status) return WithContext(status.error(), "list tunnels");
  return tunnels;
}

}  // namespace kr::route
