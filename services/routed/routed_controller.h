// routed's Controller: bus Nodes in; the BGP speaker's peers and originated prefixes, kernel
// routes (our protocol id) and the CNI config file out.
//
//   RoutedController controller(options, bgp_control, route_kernel, &metrics);
//   FeedLoop<model::Node>(subscriber, loop, [&](auto& n) { controller.UpsertNode(n); },
//                         [&](auto& name) { controller.RemoveNode(name); });
//   FullSyncOnInSync(subscriber, loop, [&] { controller.MarkInSync(); });
//   // SpeakerSettings::on_loc_rib_change -> loop.OnUpdate(): learned routes reach the kernel;
//   // and a periodic loop.OnUpdate() (heartbeat) so held routes expire on time
//
// Each Sync (after the bus is in-sync; nothing is written before):
//   1. re-parses the changed nodes (node_view.h; malformed fields are logged with the node
//      name, counted in kr_routed_bad_input_total, and skipped);
//   2. when the nodes changed (or on a full sync): plans the speaker (bgp_plan.h) and applies
//      it to BgpControl; originates our node's pod CIDRs (spec.podCIDRs, else
//      kube-router.io/pod-cidr) plus SetExtraPrefixes';
//   3. writes the CNI config with our pod CIDRs (and --auto-mtu's MTU) when they change or on
//      a full sync;
//   4. turns the Loc-RIB into kernel routes: every best route learned from a peer, via its
//      next hop, except for prefixes we originate; a route that leaves the Loc-RIB while the
//      bus still shows a node owning that pod CIDR at that next hop is held for
//      options.stale_route_hold (its speaker may be restarting, or ours recreated its
//      sessions); a deleted node's routes go at once. The kernel (our protocol, main table
//      only) is written incrementally (route_install.h): a Loc-RIB change is followed through
//      BgpControl::TakeLocRibChanges, and only the prefixes whose kernel route changed are
//      written, in one batch, without a dump. The whole kernel is dumped and diffed at start,
//      on full syncs (repairing routes changed behind our back) and after a failed write; the
//      whole Loc-RIB is copied again on full syncs, when the nodes or our prefixes changed, and
//      when the changes are not known (a new speaker). A poll with an unchanged Loc-RIB
//      generation reads nothing.
//      Routes found in the kernel at start that match a node's pod CIDR and address are
//      adopted as held, so a restart of routed does not remove them before BGP converges.
//
// Our own node deleted from the bus (kube-router would be shutting down with its pod): every
// prefix we originate (pod CIDRs, service IPs) is withdrawn, since the cluster may hand our pod
// CIDR to a new node. BGP sessions, kernel routes, tunnels, egress rules and the CNI file stay as
// they are, so pods still running here keep reaching the others (as after kube-router stops);
// nothing is written until the node is back, and then everything converges again.
//
// Service IPs (SetAdvertisedServices): each Sync takes their net change and originates it with
// the pod CIDRs. Node hooks (AddNodeHook: the overlay's tunnels, pod egress) run in each Sync
// after the nodes are applied and before the kernel routes are written, on full syncs, when
// the nodes changed, and again after a hook failed.
//
// Threading: UpsertNode/RemoveNode/MarkInSync/SetExtraPrefixes may be called from any thread
// (one mutex guards the inbox). SetAdvertisedServices, SetRouteShaper and AddNodeHook come
// before the loop starts. Sync, Cleanup and the accessors belong to the loop thread (or
// to main, with no loop running). BgpControl, RouteKernel, metrics and clock must outlive it.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/cni/cni_config_file.h"
#include "common/model/node.h"
#include "common/route/route_kernel.h"
#include "common/runtime/clock.h"
#include "common/runtime/controller.h"
#include "services/routed/advertised_services.h"
#include "services/routed/bgp_control.h"
#include "services/routed/bgp_plan.h"
#include "services/routed/node_view.h"
#include "services/routed/route_install.h"
#include "services/routed/routed_metrics.h"
#include "services/routed/routed_options.h"

namespace kr::routed {

// What a node hook sees: every node on the bus as published, ours by name.
struct NodesSnapshot {
  const std::map<std::string, model::Node>& nodes;
  const std::string& self;
  bool full;
};
// Returns whether it changed interfaces the kernel routes go through (the routes are then
// rewritten in the same Sync). An error is reported by Sync; the hook runs again next Sync.
using NodeHook = std::function<Expected<bool>(const NodesSnapshot&)>;

// Writing the CNI file and finding the MTU, replaceable in tests.
struct CniSeam {
  std::function<Expected<bool>(const std::string&, const cni::BridgeConfigSettings&)> write =
      cni::UpdateBridgeConfigFile;
  std::function<Expected<int>(const std::string& node_ip, bool overlay)> auto_mtu;  // AutoMtu
};

class RoutedController final : public Controller {
 public:
  // `metrics` may be null (tests).
  RoutedController(RoutedOptions options, BgpControl& bgp, route::RouteKernel& kernel,
                   RoutedMetrics* metrics, CniSeam cni = DefaultCniSeam(),
                   Clock& clock = SteadyClock());

  void UpsertNode(const model::Node& node);
  void RemoveNode(const std::string& name);
  void MarkInSync();
  // Prefixes to originate besides our pod CIDRs (service IPs, from services/routed/advertise).
  void SetExtraPrefixes(std::set<bgp::IpPrefix> prefixes);
  // Replaces PlainRoute (before the loop starts).
  void SetRouteShaper(RouteShaper shaper) { shaper_ = std::move(shaper); }
  // Service IPs to originate, taken once per Sync (must outlive the controller; null: none).
  void SetAdvertisedServices(AdvertisedServices* services) { services_ = services; }
  void AddNodeHook(std::string name, NodeHook hook) {
    hooks_.emplace_back(std::move(name), std::move(hook));
  }

  Status Sync(SyncKind kind, const StopToken& stop) override;
  // Removes every route of our protocol (all tables). The CNI config file stays: pods on the
  // node keep being created from it, and kube-router's cleanup leaves it too.
  Status Cleanup() override;

  // Loop thread: what the last Sync decided.
  const std::optional<BgpPlan>& plan() const { return plan_; }
  const std::map<bgp::IpPrefix, bgp::IpAddress>& kernel_routes() const { return installed_; }
  size_t held_routes() const { return held_until_.size(); }
  const std::map<std::string, NodeView>& nodes() const { return nodes_; }

  static CniSeam DefaultCniSeam();

 private:
  void ApplyInbox();
  void UpdateNodeProblemsMetric();
  void WithdrawWhileAbsent();
  void TakeAdvertisedServices(const NodeView& self);
  Status RunNodeHooks(bool full);
  Status SyncSpeaker(const NodeView& self);
  Status SyncCni(const NodeView& self, bool full);
  Status SyncRoutes(const NodeView& self, bool full);
  // The next hop of a Loc-RIB best route as a kernel route wants it; nullopt for routes we
  // originate, prefixes that are ours (`local`) and next hops that are unusable or ours.
  static std::optional<bgp::IpAddress> UsableNextHop(const NodeView& self,
                                                     const std::set<bgp::IpPrefix>& local,
                                                     const bgp::IpPrefix& prefix, bgp::PeerId from,
                                                     const bgp::IpAddress& next_hop);
  std::set<bgp::IpPrefix> LocalPrefixes(const NodeView& self) const;
  LearnedRoutes LearnedFromRib(const NodeView& self);
  // Updates learned_, returning its changed entries.
  LearnedChanges ReplaceLearned(LearnedRoutes learned);
  LearnedChanges ApplyLocRibChanges(const NodeView& self, const bgp::LocRibChanges& changes);
  // installed_ from learned_, held routes recomputed for every installed route (the nodes may
  // have changed), or only for the prefixes in `changed`; returns installed_'s changes.
  LearnedChanges WantAll();
  LearnedChanges WantChanged(const LearnedChanges& changed);
  LearnedChanges ExpireHeld();
  bool NodeOwns(const bgp::IpPrefix& prefix, const bgp::IpAddress& next_hop) const;
  Status AdoptKernelRoutes();
  void ExportPeerMetrics(bool full);

  const RoutedOptions options_;
  BgpControl& bgp_;
  route::RouteKernel& kernel_;
  RoutedMetrics* metrics_;
  CniSeam cni_;
  Clock& clock_;
  RouteShaper shaper_ = PlainRoute;
  AdvertisedServices* services_ = nullptr;
  std::vector<std::pair<std::string, NodeHook>> hooks_;

  std::mutex mu_;
  std::map<std::string, std::optional<model::Node>> inbox_;  // nullopt: deleted; guarded
  std::optional<std::set<bgp::IpPrefix>> extra_inbox_;       // guarded by mu_
  bool in_sync_ = false;                                     // guarded by mu_

  // Loop thread only.
  std::map<std::string, NodeView> nodes_;
  std::map<std::string, model::Node> bus_nodes_;  // as published, for the node hooks
  std::set<bgp::IpPrefix> extra_prefixes_;
  std::set<bgp::IpPrefix> service_prefixes_;  // from services_
  bool hooks_due_ = true;                     // nodes changed or a hook failed since they ran
  std::optional<BgpPlan> plan_;
  std::set<bgp::IpPrefix> originated_;  // as last given to SetOriginated
  std::string last_self_problem_;
  std::vector<std::string> cni_written_for_;  // pod CIDRs of the last successful CNI write
  bool adopted_ = false;                      // kernel routes read once after start
  bool nodes_changed_ = true;  // since the last sync: the plan and our prefixes may differ
  std::optional<uint64_t> learned_generation_;  // of the Loc-RIB learned_ came from
  bool rib_changed_ = false;                    // in the last sync
  LearnedRoutes learned_;                       // last Loc-RIB view
  Clock::TimePoint peer_metrics_at_{};          // last ExportPeerMetrics
  LearnedRoutes installed_;                     // what the kernel should hold
  std::map<bgp::IpPrefix, Clock::TimePoint> held_until_;
  RouteInstaller installer_;
  bool routes_dirty_ = true;  // the last kernel write failed or never happened: dump and diff
};

}  // namespace kr::routed
