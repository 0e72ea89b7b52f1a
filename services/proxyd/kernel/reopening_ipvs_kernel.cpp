#include "services/proxyd/kernel/reopening_ipvs_kernel.h"

namespace kr::proxyd {

ReopeningIpvsKernel::ReopeningIpvsKernel() {
  (void)Ensure();
}

Status ReopeningIpvsKernel::Ensure() {
  if (kernel_) return Status::Ok();
  auto opened = ipvs::NetlinkIpvsKernel::Open();
  if (!opened) {
    return Error{opened.error().code, "IPVS unavailable: " + opened.error().message};
  }
  kernel_ = std::move(*opened);
  return Status::Ok();
}

Status ReopeningIpvsKernel::AddService(const ipvs::Service& service) {
  if (Status ok = Ensure(); !ok) return ok;
  return kernel_->AddService(service);
}

Status ReopeningIpvsKernel::UpdateService(const ipvs::Service& service) {
  if (Status ok = Ensure(); !ok) return ok;
  return kernel_->UpdateService(service);
}

Status ReopeningIpvsKernel::DeleteService(const ipvs::ServiceKey& key) {
  if (Status ok = Ensure(); !ok) return ok;
  return kernel_->DeleteService(key);
}

Status ReopeningIpvsKernel::Flush() {
  if (Status ok = Ensure(); !ok) return ok;
  return kernel_->Flush();
}

Expected<ipvs::ServiceEntry> ReopeningIpvsKernel::GetService(const ipvs::ServiceKey& key) {
  if (Status ok = Ensure(); !ok) return ok.error();
  return kernel_->GetService(key);
}

Expected<std::vector<ipvs::ServiceEntry>> ReopeningIpvsKernel::ListServices() {
  if (Status ok = Ensure(); !ok) return ok.error();
  return kernel_->ListServices();
}

Status ReopeningIpvsKernel::AddDestination(const ipvs::ServiceKey& service,
                                           const ipvs::Destination& destination) {
  if (Status ok = Ensure(); !ok) return ok;
  return kernel_->AddDestination(service, destination);
}

Status ReopeningIpvsKernel::UpdateDestination(const ipvs::ServiceKey& service,
                                              const ipvs::Destination& destination) {
  if (Status ok = Ensure(); !ok) return ok;
  return kernel_->UpdateDestination(service, destination);
}

Status ReopeningIpvsKernel::DeleteDestination(const ipvs::ServiceKey& service,
                                              const ipvs::DestinationKey& key) {
  if (Status ok = Ensure(); !ok) return ok;
  return kernel_->DeleteDestination(service, key);
}

Expected<std::vector<ipvs::DestinationEntry>> ReopeningIpvsKernel::ListDestinations(
    const ipvs::ServiceKey& service) {
  if (Status ok = Ensure(); !ok) return ok.error();
  return kernel_->ListDestinations(service);
}

}  // namespace kr::proxyd
