// When each draining destination went to weight 0, so the diff can delete it once the grace
// period has passed or its connections have drained. Time is an argument (no clock inside),
// so tests move it by hand. Not thread-safe: owned by one ProxyCore.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "common/ipvs/ipvs_types.h"

namespace kr::proxyd {

using TimePoint = std::chrono::steady_clock::time_point;

class GracefulTracker {
 public:
  // Records `now` unless the destination is already draining (its first time is kept).
  void Start(const ipvs::ServiceKey& service, const ipvs::DestinationKey& destination,
             TimePoint now);
  void Stop(const ipvs::ServiceKey& service, const ipvs::DestinationKey& destination);
  void StopService(const ipvs::ServiceKey& service);

  std::optional<TimePoint> DrainingSince(const ipvs::ServiceKey& service,
                                         const ipvs::DestinationKey& destination) const;
  // Due for deletion: drained (no active nor inactive connection) or past the grace period.
  bool IsDue(const ipvs::ServiceKey& service, const ipvs::DestinationKey& destination,
             TimePoint now, std::chrono::seconds grace_period, uint64_t connections) const;
  std::set<ipvs::ServiceKey> ServicesWithDraining() const;
  size_t size() const { return since_.size(); }

 private:
  std::map<std::pair<ipvs::ServiceKey, ipvs::DestinationKey>, TimePoint> since_;
};

}  // namespace kr::proxyd
