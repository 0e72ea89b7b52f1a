#include "services/proxyd/core/ipvs_applier.h"

namespace kr::proxyd {

Status ApplyIpvsOp(const IpvsOp& op, ipvs::IpvsKernel& kernel) {
  const ipvs::ServiceKey& key = op.service.key;
  switch (op.kind) {
    case IpvsOp::Kind::kAddService:
      return kernel.AddService(op.service);
    case IpvsOp::Kind::kUpdateService:
      return kernel.UpdateService(op.service);
    case IpvsOp::Kind::kDeleteService:
      return kernel.DeleteService(key);
    case IpvsOp::Kind::kAddDestination:
      return kernel.AddDestination(key, op.destination);
    case IpvsOp::Kind::kUpdateDestination:
      return kernel.UpdateDestination(key, op.destination);
    case IpvsOp::Kind::kDeleteDestination:
      return kernel.DeleteDestination(key, op.destination.key());
  }
  return Error{EINVAL, "unknown IPVS op"};
}

ApplyReport ApplyIpvsOps(const std::vector<IpvsOp>& ops, ipvs::IpvsKernel& kernel) {
  ApplyReport report;
  for (size_t i = 0; i < ops.size(); ++i) {
    Status status = ApplyIpvsOp(ops[i], kernel);
    if (status.ok()) {
      ++report.succeeded;
    } else {
      report.failures.push_back({i, ops[i], status.error()});
    }
  }
  return report;
}

}  // namespace kr::proxyd
