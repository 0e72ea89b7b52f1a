#include "services/proxyd/kernel/dry_run_ipvs_kernel.h"

#include "common/log/log.h"

namespace kr::proxyd {
namespace {

std::string DestinationText(const ipvs::Destination& destination) {
  return ipvs::DestinationKey{destination.address, destination.port}.ToString() + " weight " +
         std::to_string(destination.weight);
}

}  // namespace

Status DryRunIpvsKernel::AddService(const ipvs::Service& service) {
  KR_LOG(INFO) << "dry-run: would add service " << service.key.ToString() << " "
               << service.scheduler;
  return Status::Ok();
}

Status DryRunIpvsKernel::UpdateService(const ipvs::Service& service) {
  KR_LOG(INFO) << "dry-run: would update service " << service.key.ToString() << " "
               << service.scheduler;
  return Status::Ok();
}

Status DryRunIpvsKernel::DeleteService(const ipvs::ServiceKey& key) {
  KR_LOG(INFO) << "dry-run: would delete service " << key.ToString();
  return Status::Ok();
}

Status DryRunIpvsKernel::Flush() {
  KR_LOG(INFO) << "dry-run: would flush every IPVS service";
  return Status::Ok();
}

Status DryRunIpvsKernel::AddDestination(const ipvs::ServiceKey& service,
                                        const ipvs::Destination& destination) {
  KR_LOG(INFO) << "dry-run: would add destination " << DestinationText(destination) << " to "
               << service.ToString();
  return Status::Ok();
}

Status DryRunIpvsKernel::UpdateDestination(const ipvs::ServiceKey& service,
                                           const ipvs::Destination& destination) {
  KR_LOG(INFO) << "dry-run: would update destination " << DestinationText(destination) << " of "
               << service.ToString();
  return Status::Ok();
}

Status DryRunIpvsKernel::DeleteDestination(const ipvs::ServiceKey& service,
                                           const ipvs::DestinationKey& key) {
  KR_LOG(INFO) << "dry-run: would delete destination " << key.ToString() << " of "
               << service.ToString();
  return Status::Ok();
}

}  // namespace kr::proxyd
