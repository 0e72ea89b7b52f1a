// The pure diff from the IPVS table proxyd wants to the one the kernel holds: a minimal,
// ordered list of ops. Within a virtual service: the service itself first (add/update), then
// destination adds, updates, and last removals, so new backends take traffic before old ones
// stop. Whole-service deletions come before everything else.
//
// Graceful termination (policy.enabled): a destination that should go is first updated to
// weight 0 (no new connections) and the tracker notes when; a later diff deletes it once
// the tracker says it is due (grace period over, or no active nor inactive connection in the
// observed counters). A destination that comes back while draining gets its weight again.
// Without graceful termination it is deleted at once.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <vector>

#include "services/proxyd/core/desired_state.h"
#include "services/proxyd/core/graceful_tracker.h"
#include "services/proxyd/core/ipvs_op.h"
#include "services/proxyd/core/observed_ipvs.h"

namespace kr::proxyd {

struct GracefulPolicy {
  bool enabled = false;
  std::chrono::seconds period{30};
};

// Ops for one virtual service; `desired` and/or `observed` may be null (null desired with an
// observed service: delete it). Appends to `ops`; updates `tracker`.
void DiffVirtualService(const ipvs::ServiceKey& key, const DesiredVirtualService* desired,
                        const ObservedVirtualService* observed, const GracefulPolicy& policy,
                        GracefulTracker& tracker, TimePoint now, std::vector<IpvsOp>& ops);

using DesiredTable = std::map<ipvs::ServiceKey, const DesiredVirtualService*>;
using OwnedPredicate = std::function<bool(const ipvs::ServiceKey&)>;

// The whole table: desired services are added or repaired; observed services that are not
// desired are deleted only when `owned` says so (others are never touched).
std::vector<IpvsOp> DiffIpvs(const DesiredTable& desired, const ObservedIpvs::Table& observed,
                             const OwnedPredicate& owned, const GracefulPolicy& policy,
                             GracefulTracker& tracker, TimePoint now);

// Whether the kernel's copy of a service needs an update to match `desired` (the timeout
// counts only with persistence, as the kernel keeps it only then).
bool ServiceSettingsDiffer(const ipvs::Service& desired, const ipvs::Service& observed);

}  // namespace kr::proxyd
