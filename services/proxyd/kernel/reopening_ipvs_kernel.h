// An IpvsKernel that opens the netlink one on first use and again after a failed open, so
// kr-proxyd keeps running (and serving /healthz, which then reports the failing syncs) on a
// host whose ip_vs module is not loaded yet, and recovers once it is.
// Threading: as NetlinkIpvsKernel (one thread).
#pragma once

#include <memory>

#include "common/ipvs/netlink_ipvs_kernel.h"

namespace kr::proxyd {

class ReopeningIpvsKernel final : public ipvs::IpvsKernel {
 public:
  // Tries once now; `available()` tells whether that worked.
  ReopeningIpvsKernel();
  bool available() const { return kernel_ != nullptr; }

  Status AddService(const ipvs::Service& service) override;
  Status UpdateService(const ipvs::Service& service) override;
  Status DeleteService(const ipvs::ServiceKey& key) override;
  Status Flush() override;
  Expected<ipvs::ServiceEntry> GetService(const ipvs::ServiceKey& key) override;
  Expected<std::vector<ipvs::ServiceEntry>> ListServices() override;
  Status AddDestination(const ipvs::ServiceKey& service,
                        const ipvs::Destination& destination) override;
  Status UpdateDestination(const ipvs::ServiceKey& service,
                           const ipvs::Destination& destination) override;
  Status DeleteDestination(const ipvs::ServiceKey& service,
                           const ipvs::DestinationKey& key) override;
  Expected<std::vector<ipvs::DestinationEntry>> ListDestinations(
      const ipvs::ServiceKey& service) override;

 private:
  Status Ensure();
  std::unique_ptr<ipvs::NetlinkIpvsKernel> kernel_;
};

}  // namespace kr::proxyd
