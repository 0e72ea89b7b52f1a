// One change to the kernel's IPVS table: what the diff produces and the applier sends.
#pragma once

#include <string>
#include <vector>

#include "common/ipvs/ipvs_types.h"

namespace kr::proxyd {

struct IpvsOp {
  enum class Kind {
    kAddService,
    kUpdateService,
    kDeleteService,
    kAddDestination,
    kUpdateDestination,
    kDeleteDestination,
  };

  Kind kind = Kind::kAddService;
  ipvs::Service service;          // service.key always; full settings for add/update service
  ipvs::Destination destination;  // destination ops only (address and port for a delete)

  static IpvsOp AddService(const ipvs::Service& service);
  static IpvsOp UpdateService(const ipvs::Service& service);
  static IpvsOp DeleteService(const ipvs::ServiceKey& key);
  static IpvsOp AddDestination(const ipvs::ServiceKey& key, const ipvs::Destination& destination);
  static IpvsOp UpdateDestination(const ipvs::ServiceKey& key,
                                  const ipvs::Destination& destination);
  static IpvsOp DeleteDestination(const ipvs::ServiceKey& key, const ipvs::DestinationKey& dest);

  // "add-destination TCP 10.96.0.10:80 -> 10.244.1.5:8080 Masq 1", for logs and test failures.
  std::string ToString() const;
  bool operator==(const IpvsOp&) const = default;
};

std::string ToString(const std::vector<IpvsOp>& ops);  // one op per line

}  // namespace kr::proxyd
