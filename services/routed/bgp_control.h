// The seam between RoutedController and the BGP speaker, so the controller's logic is
// unit-tested with FakeBgpControl (fake_bgp_control.h) and runs for real with
// SpeakerBgpControl (speaker_bgp_control.h).
//
// Threading: implementations are called from one thread (the controller loop's).
#pragma once

#include <optional>
#include <set>
#include <vector>

#include "common/base/expected.h"
#include "services/routed/bgp/rib.h"
#include "services/routed/bgp/speaker.h"
#include "services/routed/bgp_plan.h"

namespace kr::routed {

class BgpControl {
 public:
  virtual ~BgpControl() = default;

  // Makes the speaker's identity (ASN, router id, listen address) and its peers equal to the
  // plan's, starting the speaker on the first call. An error leaves the previous speaker (if
  // any) as it was; the caller retries on its next sync.
  virtual Status Configure(const BgpPlan& plan) = 0;
  // Makes the prefixes we originate equal to `prefixes` (announces the new ones, withdraws the
  // others). Kept across speaker restarts. Returns how many announcements and withdrawals it
  // made. Before the first successful Configure it only records them.
  virtual size_t SetOriginated(const std::set<bgp::IpPrefix>& prefixes) = 0;
  // Empty before the first successful Configure.
  virtual std::vector<bgp::NeighborStatus> Neighbors() = 0;
  virtual std::vector<bgp::RibRoute> LocRib() = 0;
  // Changes whenever the Loc-RIB may have changed, so a poller can skip LocRib()'s copy.
  // Never waits.
  virtual uint64_t LocRibGeneration() const = 0;
  // The prefixes whose best route changed since the last call, with their best route now
  // (bgp::Speaker::TakeLocRibChanges), so a caller that read LocRib() once can follow the
  // changes without copying the table again. nullopt when the changes are not known (not
  // tracked, or the speaker was replaced since the last call): read LocRib() again. Read
  // LocRibGeneration() before calling it (every change up to that generation is included).
  virtual std::optional<bgp::LocRibChanges> TakeLocRibChanges() { return std::nullopt; }
};

}  // namespace kr::routed
