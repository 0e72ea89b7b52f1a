// One reconcile pass: dump our routes, diff against the desired ones, apply the ops.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "common/route/route_kernel.h"

namespace kr::route {

struct SyncResult {
  size_t added = 0;
  size_t replaced = 0;
  size_t deleted = 0;
  std::vector<Error> errors;  // one per failed op (or the failed dump); the rest still applied

  bool ok() const { return errors.empty(); }
  std::string ToString() const;
};

// Makes our routes within `scope` equal to `desired`; routes of other protocols and our routes
// outside scope are untouched. A desired route outside scope is an EINVAL error and skipped.
// A delete answered with ESRCH counts as done (the route went away by itself). With an empty
// `desired` this is the cleanup of every route of ours in scope.
SyncResult SyncRoutes(RouteKernel& kernel, std::span<const Route> desired,
                      const RouteFilter& scope = {});

}  // namespace kr::route
