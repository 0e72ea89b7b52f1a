// The seam between IPVS users (proxyd) and the kernel: every call returns the kernel's errno as
// a value. NetlinkIpvsKernel talks to the real kernel; FakeIpvsKernel answers the same way from
// memory for unit tests.
//
// Errors the kernel gives, which implementations must give too (Error::code):
//   EEXIST  adding a service or destination that exists
//   ESRCH   any operation on a service that does not exist (also adding a destination to it)
//   ENOENT  updating/deleting a destination that does not exist; an unknown scheduler
//   ERANGE  negative weight, lower threshold above upper threshold
//   EINVAL  malformed request; a destination address that is not unicast (multicast,
//           broadcast, IPv6 link-local; every IPv4 address in a namespace that has no local
//           routing table yet, i.e. no address and lo never up); a destination family
//           differing from the service's without tunnel forwarding
#pragma once

#include <vector>

#include "common/base/expected.h"
#include "common/ipvs/ipvs_types.h"

namespace kr::ipvs {

class IpvsKernel {
 public:
  virtual ~IpvsKernel() = default;

  virtual Status AddService(const Service& service) = 0;
  // Replaces scheduler, flags, timeout, netmask and persistence engine of an existing service.
  virtual Status UpdateService(const Service& service) = 0;
  // Also removes the service's destinations.
  virtual Status DeleteService(const ServiceKey& key) = 0;
  // Removes every service, including those this process did not create.
  virtual Status Flush() = 0;

  virtual Expected<ServiceEntry> GetService(const ServiceKey& key) = 0;
  virtual Expected<std::vector<ServiceEntry>> ListServices() = 0;

  virtual Status AddDestination(const ServiceKey& service, const Destination& destination) = 0;
  // Replaces forwarding method, weight, thresholds and tunnel settings.
  virtual Status UpdateDestination(const ServiceKey& service, const Destination& destination) = 0;
  virtual Status DeleteDestination(const ServiceKey& service, const DestinationKey& key) = 0;
  // A service that does not exist lists as empty: the kernel's dump does not report ESRCH.
  virtual Expected<std::vector<DestinationEntry>> ListDestinations(const ServiceKey& service) = 0;
};

}  // namespace kr::ipvs
