#include "common/route/route_sync.h"

#include "common/route/route_diff.h"

namespace kr::route {

std::string SyncResult::ToString() const {
  std::string text = std::to_string(added) + " added, " + std::to_string(replaced) + " replaced, " +
                     std::to_string(deleted) + " deleted";
  if (!errors.empty()) text += ", " + std::to_string(errors.size()) + " failed";
  for (const auto& error : errors) text += "; " + error.message;
  return text;
}

SyncResult SyncRoutes(RouteKernel& kernel, std::span<const Route> desired,
                      const RouteFilter& scope) {
  SyncResult result;
  std::vector<Route> in_scope;
  in_scope.reserve(desired.size());
  for (const auto& route : desired) {
    if (scope.Matches(route)) {
      in_scope.push_back(route);
    } else {
      result.errors.push_back(Error{EINVAL, "route " + route.ToString() + " outside sync scope"});
    }
  }
  auto current = kernel.DumpRoutes(scope);
  if (!current) {
    result.errors.push_back(current.error());
    return result;
  }
  const std::vector<RouteOp> ops = DiffRoutes(in_scope, *current);
  const std::vector<Status> statuses = kernel.Apply(ops);
  for (size_t i = 0; i < ops.size(); ++i) {
    const RouteOp::Kind kind = ops[i].kind;
    const Status& status = statuses[i];
    if (!status && !(kind == RouteOp::Kind::kDelete && status.error().code == ESRCH)) {
      result.errors.push_back(status.error());
      continue;
    }
    if (kind == RouteOp::Kind::kAdd) ++result.added;
    if (kind == RouteOp::Kind::kReplace) ++result.replaced;
    if (kind == RouteOp::Kind::kDelete) ++result.deleted;
  }
  return result;
}

}  // namespace kr::route
