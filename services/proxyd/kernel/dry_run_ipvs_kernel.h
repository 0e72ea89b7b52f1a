// --dry-run for IPVS: reads go to the real kernel, writes are logged and reported as done.
// Threading: as the wrapped kernel.
#pragma once

#include "common/ipvs/ipvs_kernel.h"

namespace kr::proxyd {

class DryRunIpvsKernel final : public ipvs::IpvsKernel {
 public:
  explicit DryRunIpvsKernel(ipvs::IpvsKernel& real) : real_(real) {}

  Status AddService(const ipvs::Service& service) override;
  Status UpdateService(const ipvs::Service& service) override;
  Status DeleteService(const ipvs::ServiceKey& key) override;
  Status Flush() override;
  Expected<ipvs::ServiceEntry> GetService(const ipvs::ServiceKey& key) override {
    return real_.GetService(key);
  }
  Expected<std::vector<ipvs::ServiceEntry>> ListServices() override { return real_.ListServices(); }
  Status AddDestination(const ipvs::ServiceKey& service,
                        const ipvs::Destination& destination) override;
  Status UpdateDestination(const ipvs::ServiceKey& service,
                           const ipvs::Destination& destination) override;
  Status DeleteDestination(const ipvs::ServiceKey& service,
                           const ipvs::DestinationKey& key) override;
  Expected<std::vector<ipvs::DestinationEntry>> ListDestinations(
      const ipvs::ServiceKey& service) override {
    return real_.ListDestinations(service);
  }

 private:
  ipvs::IpvsKernel& real_;
};

}  // namespace kr::proxyd
