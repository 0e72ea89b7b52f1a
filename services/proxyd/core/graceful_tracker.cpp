#include "services/proxyd/core/graceful_tracker.h"

namespace kr::proxyd {

void GracefulTracker::Start(const ipvs::ServiceKey& service,
                            const ipvs::DestinationKey& destination, TimePoint now) {
  since_.try_emplace({service, destination}, now);
}

void GracefulTracker::Stop(const ipvs::ServiceKey& service,
                           const ipvs::DestinationKey& destination) {
  since_.erase({service, destination});
}

void GracefulTracker::StopService(const ipvs::ServiceKey& service) {
  auto it = since_.lower_bound({service, ipvs::DestinationKey{}});
  while (it != since_.end() && it->first.first == service) it = since_.erase(it);
}

std::optional<TimePoint> GracefulTracker::DrainingSince(
    const ipvs::ServiceKey& service, const ipvs::DestinationKey& destination) const {
  auto it = since_.find({service, destination});
  if (it == since_.end()) return std::nullopt;
  return it->second;
}

bool GracefulTracker::IsDue(const ipvs::ServiceKey& service,
                            const ipvs::DestinationKey& destination, TimePoint now,
                            std::chrono::seconds grace_period, uint64_t connections) const {
  auto since = DrainingSince(service, destination);
  if (!since) return false;
  return connections == 0 || now - *since >= grace_period;
}

std::set<ipvs::ServiceKey> GracefulTracker::ServicesWithDraining() const {
  std::set<ipvs::ServiceKey> services;
  for (const auto& [key, since] : since_) services.insert(key.first);
  return services;
}

}  // namespace kr::proxyd
