#include "services/routed/route_install.h"

#include <sys/socket.h>

#include <algorithm>
#include <span>
#include <vector>

namespace kr::routed {
namespace {

constexpr size_t kApplySlice = 256;

route::IpAddress ToKernel(const bgp::IpAddress& address) {
  return *route::IpAddress::FromBytes(address.is_v4() ? AF_INET : AF_INET6, address.bytes());
}

}  // namespace

std::optional<route::Route> PlainRoute(const LearnedRoute& learned) {
  auto destination =
      route::IpPrefix::Make(ToKernel(learned.prefix.address()), learned.prefix.length());
  if (!destination) return std::nullopt;
  route::Route r;
  r.destination = *destination;
  r.next_hops.push_back(route::NextHop{.gateway = ToKernel(learned.next_hop)});
  return r;
}

route::SyncResult RouteInstaller::SyncAll(const LearnedRoutes& wanted, const RouteShaper& shaper) {
  std::map<bgp::IpPrefix, route::Route> shaped;
  std::vector<route::Route> desired;
  desired.reserve(wanted.size());
  for (const auto& [prefix, next_hop] : wanted) {
    std::optional<route::Route> r = shaper(LearnedRoute{prefix, next_hop});
    if (!r) continue;
    desired.push_back(*r);
    shaped.emplace(prefix, std::move(*r));
  }
  written_ = std::move(shaped);
  return route::SyncRoutes(kernel_, desired, route::RouteFilter{.table = RT_TABLE_MAIN});
}

route::SyncResult RouteInstaller::Update(const LearnedChanges& changes, const RouteShaper& shaper) {
  std::vector<route::RouteOp> ops;
  ops.reserve(changes.size());
  std::vector<route::RouteOp> deletes;  // after the adds, as route::DiffRoutes orders them
  // `changes` is sorted like written_: one lookup per prefix.
  for (const auto& [prefix, next_hop] : changes) {
    std::optional<route::Route> want;
    if (next_hop) want = shaper(LearnedRoute{prefix, *next_hop});
    auto old = written_.lower_bound(prefix);
    if (old != written_.end() && old->first == prefix) {
      if (want && *want == old->second) continue;
      if (want && route::KeyOf(*want) == route::KeyOf(old->second)) {
        ops.push_back(route::RouteOp{route::RouteOp::Kind::kReplace, *want});
        old->second = std::move(*want);
        continue;
      }
      deletes.push_back(route::RouteOp{route::RouteOp::Kind::kDelete, old->second});
      old = written_.erase(old);
    }
    if (!want) continue;
    ops.push_back(route::RouteOp{route::RouteOp::Kind::kAdd, *want});
    written_.emplace_hint(old, prefix, std::move(*want));
  }
  ops.insert(ops.end(), deletes.begin(), deletes.end());

  route::SyncResult result;
  if (ops.empty()) return result;
  // Slices of the batch: the netlink writer sends 64 requests per system call anyway, and it
  // builds each request in a page of its own, so thousands at once cost page faults and RSS.
  std::vector<Status> statuses;
  statuses.reserve(ops.size());
  const std::span<const route::RouteOp> all(ops);
  for (size_t at = 0; at < all.size(); at += kApplySlice) {
    std::vector<Status> done =
        kernel_.Apply(all.subspan(at, std::min(kApplySlice, all.size() - at)));
    statuses.insert(statuses.end(), done.begin(), done.end());
  }
  for (size_t i = 0; i < ops.size(); ++i) {
    const route::RouteOp::Kind kind = ops[i].kind;
    const Status& status = statuses[i];
    if (!status && !(kind == route::RouteOp::Kind::kDelete && status.error().code == ESRCH)) {
      result.errors.push_back(status.error());
      continue;
    }
    if (kind == route::RouteOp::Kind::kAdd) ++result.added;
    if (kind == route::RouteOp::Kind::kReplace) ++result.replaced;
    if (kind == route::RouteOp::Kind::kDelete) ++result.deleted;
  }
  return result;
}

}  // namespace kr::routed
