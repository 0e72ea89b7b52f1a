// An in-memory BgpControl for unit tests of RoutedController: it records the plan and the
// originated prefixes, and serves a Loc-RIB the test fills with Learn(). As with the real
// speaker, a learned route is only in the Loc-RIB while a configured peer has the next hop's
// address (dropping a peer drops its routes) and its session is up (SetSessionUp).
//
// Threading: not thread-safe.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "services/routed/bgp_control.h"

namespace kr::routed {

class FakeBgpControl final : public BgpControl {
 public:
  Status Configure(const BgpPlan& plan) override;
  size_t SetOriginated(const std::set<bgp::IpPrefix>& prefixes) override;
  std::vector<bgp::NeighborStatus> Neighbors() override;
  std::vector<bgp::RibRoute> LocRib() override;
  uint64_t LocRibGeneration() const override { return generation_; }
  // The difference between the Loc-RIB now and at the last call; nullopt on the first call
  // (as a new speaker) and with tracking off.
  std::optional<bgp::LocRibChanges> TakeLocRibChanges() override;

  // Test setup and inspection.
  void Learn(const std::string& prefix, const std::string& next_hop);
  void Forget(const std::string& prefix);
  void SetSessionUp(const std::string& peer, bool up);  // sessions are up unless set down
  void FailNextConfigure(Error error) { fail_next_ = std::move(error); }
  const std::optional<BgpPlan>& plan() const { return plan_; }
  std::set<std::string> PeerAddresses() const;
  std::set<std::string> Originated() const;
  int configure_calls() const { return configure_calls_; }
  int loc_rib_calls() const { return loc_rib_calls_; }
  void set_track_changes(bool on) { track_changes_ = on; }

 private:
  std::optional<BgpPlan> plan_;
  std::set<bgp::IpPrefix> originated_;
  std::map<bgp::IpPrefix, bgp::IpAddress> learned_;
  std::set<bgp::IpAddress> down_;
  std::optional<Error> fail_next_;
  int configure_calls_ = 0;
  int loc_rib_calls_ = 0;
  uint64_t generation_ = 0;  // bumped by every change that can alter LocRib()
  bool track_changes_ = true;
  std::optional<std::map<bgp::IpPrefix, bgp::BestRoute>> taken_;  // at the last take

  std::vector<bgp::RibRoute> Table() const;
};

}  // namespace kr::routed
