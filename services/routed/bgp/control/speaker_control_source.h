// The ControlSource over a running Speaker, through its public, thread-safe queries only.
//
// Routes name the neighbour they came from, or "local" for routes we originate. Loc-RIB and
// Adj-RIB-In routes carry their age; Adj-RIB-Out routes none (when they were sent is not
// kept). An Adj-RIB-In route is "best" when the Loc-RIB chose it. An address that is not a
// configured neighbour (or not an address) is ENOENT.
//
// Threading: call from any thread except the Speaker's io thread (its queries wait for that
// thread). The Speaker must outlive this object.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "services/routed/bgp/control/control_types.h"
#include "services/routed/bgp/speaker.h"

namespace kr::bgp::control {

// Conversions, pure so they can be tested without a session.
NeighborView ToView(const NeighborStatus& status, uint32_t local_as,
                    std::chrono::system_clock::time_point now);
// `from` is the neighbour's address text or "local"; Loc-RIB routes are best by definition.
RouteView ToView(const RibRoute& route, std::string from, bool best);
bool InFamily(const IpPrefix& prefix, Family family);

class SpeakerControlSource : public ControlSource {
 public:
  SpeakerControlSource(Speaker& speaker, uint32_t local_as)
      : speaker_(speaker), local_as_(local_as) {}

  std::vector<NeighborView> Neighbors() override;
  std::vector<RouteView> LocRib(Family family) override;
  Expected<std::vector<RouteView>> AdjRibIn(const std::string& neighbor, Family family) override;
  Expected<std::vector<RouteView>> AdjRibOut(const std::string& neighbor, Family family) override;

 private:
  Speaker& speaker_;
  uint32_t local_as_;
};

}  // namespace kr::bgp::control
