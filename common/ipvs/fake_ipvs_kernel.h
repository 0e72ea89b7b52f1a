// An in-memory IpvsKernel that answers like the kernel: same errno values, checked in the same
// order, same normalization of what a dump returns (see ipvs_kernel.h for the list). For unit
// tests of code that programs IPVS; the vm tier checks the real kernel against these answers.
//
// Not thread-safe. Like the kernel, it refuses destinations that are not unicast (IPv4 multicast,
// broadcast, 0/8; IPv6 multicast, link-local); RejectDestinationAddress() adds addresses that a
// real namespace would refuse for its own reasons (e.g. a local subnet's broadcast address).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "common/ipvs/ipvs_kernel.h"

namespace kr::ipvs {

class FakeIpvsKernel final : public IpvsKernel {
 public:
  FakeIpvsKernel() = default;

  Status AddService(const Service& service) override;
  Status UpdateService(const Service& service) override;
  Status DeleteService(const ServiceKey& key) override;
  Status Flush() override;
  Expected<ServiceEntry> GetService(const ServiceKey& key) override;
  Expected<std::vector<ServiceEntry>> ListServices() override;
  Status AddDestination(const ServiceKey& service, const Destination& destination) override;
  Status UpdateDestination(const ServiceKey& service, const Destination& destination) override;
  Status DeleteDestination(const ServiceKey& service, const DestinationKey& key) override;
  Expected<std::vector<DestinationEntry>> ListDestinations(const ServiceKey& service) override;

  // --- Test controls -------------------------------------------------------------------------
  // The next call of any kind fails with `error` (an errno) and changes nothing.
  void FailNextCall(int error) { fail_next_ = error; }
  // Adding this destination address fails with EINVAL, as for a non-unicast one.
  void RejectDestinationAddress(const IpAddress& address) { unroutable_.insert(address); }
  // Counters the kernel would keep from traffic; ESRCH / ENOENT like the other calls.
  Status SetServiceStats(const ServiceKey& key, const Stats& stats);
  Status SetDestinationCounters(const ServiceKey& service, const DestinationKey& key,
                                uint32_t active, uint32_t inactive, uint32_t persistent,
                                const Stats& stats = {});
  // Calls made, failed ones included: the netlink messages the real client would have sent.
  uint64_t messages_sent() const { return messages_sent_; }

 private:
  struct ServiceState {
    ServiceEntry entry;
    std::map<DestinationKey, DestinationEntry> destinations;
  };

  // Counts the call and consumes FailNextCall(); an error to return, if any.
  std::optional<Error> BeginCall(const std::string& what);
  ServiceState* Find(const ServiceKey& key);

  std::map<ServiceKey, ServiceState> services_;
  std::set<IpAddress> unroutable_;
  int fail_next_ = 0;
  uint64_t messages_sent_ = 0;
};

}  // namespace kr::ipvs
