#include "common/route/route_kernel.h"

namespace kr::route {

std::vector<Status> RouteKernel::Apply(std::span<const RouteOp> ops) {
  std::vector<Status> results;
  results.reserve(ops.size());
  for (const auto& op : ops) {
    switch (op.kind) {
      case RouteOp::Kind::kAdd:
        results.push_back(AddRoute(op.route));
        break;
      case RouteOp::Kind::kReplace:
        results.push_back(ReplaceRoute(op.route));
        break;
      case RouteOp::Kind::kDelete:
        results.push_back(DeleteRoute(op.route));
        break;
    }
  }
  return results;
}

}  // namespace kr::route
