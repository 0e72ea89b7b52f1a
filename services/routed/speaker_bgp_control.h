// BgpControl over the in-process bgp::Speaker.
//
// A change of the peer set is applied with Speaker::AddPeer / RemovePeer (a changed peer is
// removed and added again), so the other sessions stay up. A change of our identity (ASN,
// router id, listen address, other-family address) or of the route-reflector cluster id destroys
// the speaker (Cease to every peer) and creates a new one, which originates our prefixes from the
// start. RoutedController holds the kernel routes of nodes still on the bus meanwhile.
//
// Threading: one caller thread (the controller loop), except Current(), which any thread may
// call (the BGP control socket's). The speaker's io thread is created in
// the network namespace of the thread calling Configure. `on_loc_rib_change` runs on that io
// thread and must not block (ControllerLoop::OnUpdate is fine).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "services/routed/bgp_control.h"

namespace kr::routed {

struct SpeakerSettings {
  uint16_t port = 179;  // --bgp-port: where we listen
  uint16_t hold_time = 90;
  uint32_t connect_retry_seconds = 5;
  std::function<void()> on_loc_rib_change;  // wakes the owner; may be empty
};

class SpeakerBgpControl final : public BgpControl {
 public:
  explicit SpeakerBgpControl(SpeakerSettings settings) : settings_(settings) {}
  ~SpeakerBgpControl() override = default;

  Status Configure(const BgpPlan& plan) override;
  size_t SetOriginated(const std::set<bgp::IpPrefix>& prefixes) override;
  std::vector<bgp::NeighborStatus> Neighbors() override;
  std::vector<bgp::RibRoute> LocRib() override;

  // Stops the speaker (Cease to every peer) and joins its thread, so on_loc_rib_change is not
  // called any more. For shutdown, once no Configure can run; a later Configure starts anew.
  void Stop();

  // Speakers created so far (1 after the first Configure; each later one is a restart).
  size_t speakers_created() const { return speakers_created_; }
  uint64_t LocRibGeneration() const override;  // a new speaker counts as a change
  std::optional<bgp::LocRibChanges> TakeLocRibChanges() override;

  // The running speaker (null before the first Configure) and our ASN, for read-only queries
  // from other threads; the speaker stays alive while the caller holds it. Thread-safe.
  struct Running {
    std::shared_ptr<bgp::Speaker> speaker;
    uint32_t local_as = 0;
  };
  Running Current() const;

 private:
  bgp::SpeakerConfig ToSpeakerConfig(const BgpPlan& plan) const;
  Status Recreate(const BgpPlan& plan);
  Status UpdatePeers(const BgpPlan& plan);

  void Publish();  // copies speaker_ for Current()

  const SpeakerSettings settings_;
  std::shared_ptr<bgp::Speaker> speaker_;
  mutable std::mutex current_mu_;
  Running current_;                 // guarded by current_mu_
  std::optional<BgpPlan> applied_;  // the plan speaker_ runs (problems cleared)
  std::optional<uint32_t> applied_cluster_id_;
  std::set<bgp::IpPrefix> originated_;
  size_t speakers_created_ = 0;
  size_t changes_taken_from_ = 0;  // the speaker (by speakers_created_) last taken from
};

// Session parameters for one peer spec of `plan` (exposed for tests): external peers get
// only our own routes; with the plan's other-family address, both families (bgp_plan.h).
bgp::PeerConfig ToPeerConfig(const BgpPeerSpec& spec, const BgpPlan& plan);
// The RFC 4456 cluster id of a route-reflector server: its rr.server value when that is a
// number or an IPv4 address (as kube-router reads it), else nullopt (the router id).
std::optional<uint32_t> ClusterId(const BgpPlan& plan);

}  // namespace kr::routed
