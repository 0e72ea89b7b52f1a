// Runs ops against an IpvsKernel in order. A failed op is reported and the rest still run
// (one bad destination must not keep the others from being programmed).
#pragma once

#include <vector>

#include "common/base/expected.h"
#include "common/ipvs/ipvs_kernel.h"
#include "services/proxyd/core/ipvs_op.h"

namespace kr::proxyd {

struct OpFailure {
  size_t index = 0;  // into the ops passed in
  IpvsOp op;
  Error error;
};

struct ApplyReport {
  size_t succeeded = 0;
  std::vector<OpFailure> failures;
};

Status ApplyIpvsOp(const IpvsOp& op, ipvs::IpvsKernel& kernel);
ApplyReport ApplyIpvsOps(const std::vector<IpvsOp>& ops, ipvs::IpvsKernel& kernel);

}  // namespace kr::proxyd
