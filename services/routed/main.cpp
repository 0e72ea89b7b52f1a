// kr-routed: BGP pod routing. Wires the modules together; see routed_controller.h.
//
// Bus (Node) -> RoutedController -> BGP speaker (peers, our pod CIDRs) and the CNI config;
// bus (Service, Endpoints) -> AdvertisedServices -> RoutedController -> originated service IPs;
// speaker's Loc-RIB -> RoutedController -> kernel routes with our protocol id (17), shaped by
// the overlay (OverlayNodes: IP-in-IP tunnels to the peers, a node hook);
// all nodes -> pod egress (ipsets + nat chain, a node hook) with --enable-pod-egress.
#include <chrono>
#include <exception>
#include <memory>

#include "common/bus/subscriber.h"
#include "common/daemon/bus_daemon.h"
#include "common/daemon/bus_feed.h"
#include "common/daemon/daemon_status.h"
#include "common/flags/common_flags.h"
#include "common/ipset/libipset_client.h"
#include "common/iptables/backend_detect.h"
#include "common/iptables/xtables_runner.h"
#include "common/log/log.h"
#include "common/route/netlink_route_kernel.h"
#include "common/runtime/controller_loop.h"
#include "common/runtime/shutdown_signals.h"
#include "services/routed/advertised_services.h"
#include "services/routed/bgp/control/control_server.h"
#include "services/routed/bgp_control_socket.h"
#include "services/routed/dry_run_route_kernel.h"
#include "services/routed/egress_nodes.h"
#include "services/routed/overlay_nodes.h"
#include "services/routed/routed_controller.h"
#include "services/routed/routed_flags.h"
#include "services/routed/routed_metrics.h"
#include "services/routed/speaker_bgp_control.h"

namespace {

// Pod egress's kernel seams, opened in the node's namespace (iptables and ipset need root).
struct EgressSeams {
  kr::iptables::XtablesRunner runner{kr::iptables::DetectBackendFromSystem()};
  std::unique_ptr<kr::ipset::LibipsetClient> ipsets;
  std::unique_ptr<kr::routed::egress::EgressSyncer> syncer;
};

std::unique_ptr<EgressSeams> OpenEgress(bool enabled, bool ipv4, bool ipv6) {
  auto ipsets = kr::ipset::LibipsetClient::Open();
  if (!ipsets) {
    KR_LOG(WARNING) << "pod egress off: ipset: " << ipsets.error().message;
    return nullptr;
  }
  auto seams = std::make_unique<EgressSeams>();
  seams->ipsets = std::move(*ipsets);
  seams->syncer = std::make_unique<kr::routed::egress::EgressSyncer>(
      kr::routed::egress::EgressOptions{.enabled = enabled, .ipv4 = ipv4, .ipv6 = ipv6},
      seams->runner, *seams->ipsets);
  return seams;
}

}  // namespace

int main(int argc, char** argv) {
  kr::ShutdownSignals signals;  // first: every later thread inherits the blocked signals

  kr::flags::CommonFlags common;
  common.health_port = 20244;
  kr::routed::RoutedFlags routed_flags;
  kr::daemon::ParseFlagsOrExit(argc, argv, "kr-routed",
                               "BGP pod routing: advertises the pod CIDR, installs "
                               "routes learned from peers, writes the CNI config.",
                               common, routed_flags);

  kr::routed::RoutedOptions options;
  try {
    options = routed_flags.ToOptions(common.NodeName());
  } catch (const std::exception& e) {
    KR_LOG(ERROR) << e.what();
    return 2;
  }
  auto overlay_type = kr::routed::overlay::ParseOverlayType(options.overlay_type);
  if (!overlay_type) {
    KR_LOG(ERROR) << "--overlay-type: " << overlay_type.error().message;
    return 2;
  }

  // Kernel routes (protocol 17) over rtnetlink. --dry-run reads the kernel and logs every
  // route write and the CNI file instead; BGP still runs (it changes nothing on this node).
  auto netlink = kr::route::NetlinkRouteKernel::Create();
  if (!netlink) {
    KR_LOG(ERROR) << "rtnetlink: " << netlink.error().message;
    return 1;
  }
  kr::routed::DryRunRouteKernel dry_run_kernel(*netlink);
  kr::route::RouteKernel& kernel =
      common.dry_run ? static_cast<kr::route::RouteKernel&>(dry_run_kernel) : *netlink;
  kr::routed::CniSeam cni =
      common.dry_run ? kr::routed::DryRunCniSeam() : kr::routed::RoutedController::DefaultCniSeam();

  // The speaker wakes the loop when its Loc-RIB changes (set once the loop exists).
  kr::ControllerLoop* loop_ptr = nullptr;
  kr::routed::SpeakerBgpControl bgp({.port = options.bgp_port,
                                     .hold_time = options.hold_time,
                                     .connect_retry_seconds = 5,
                                     .on_loc_rib_change = [&loop_ptr] {
                                       if (loop_ptr) loop_ptr->OnUpdate();
                                     }});

  // Overlay tunnels: always synced (with the overlay off, ours are removed, as kube-router does).
  kr::routed::OverlayNodes overlay(options.enable_overlay, *overlay_type, kernel);

  if (common.cleanup_config) {
    kr::routed::RoutedController cleaner(options, bgp, kernel, nullptr, cni);
    bool ok = true;
    for (kr::Status cleaned : {cleaner.Cleanup(), overlay.Cleanup()}) {
      if (!cleaned) KR_LOG(ERROR) << cleaned.error().message;
      ok = ok && cleaned;
    }
    // The families of --enable-ipv4/--enable-ipv6, as a run with the same flags wrote them.
    if (auto egress = common.dry_run
                          ? nullptr
                          : OpenEgress(false, options.enable_ipv4, options.enable_ipv6)) {
      kr::Status cleaned = egress->syncer->Cleanup();
      if (!cleaned) KR_LOG(ERROR) << "pod egress cleanup: " << cleaned.error().message;
      ok = ok && cleaned;
    }
    return ok ? 0 : 1;
  }

  // Observability: /healthz and /metrics.
  kr::daemon::DaemonStatus status("routed", common);
  if (kr::Status started = status.Start(); !started.ok()) {
    KR_LOG(ERROR) << started.error().message;
    return 1;
  }
  kr::routed::RoutedMetrics metrics(status.registry());
  kr::routed::RoutedController controller(options, bgp, kernel, &metrics, cni);

  // Service IPs (--advertise-*, or a service's kube-router.io/service.advertise.* annotation).
  kr::routed::AdvertisedServices services(
      {.node_name = options.node_name,
       .node_ips = {},  // from our bus Node, per sync
       .advertise_cluster_ip = options.advertise_cluster_ip,
       .advertise_external_ip = options.advertise_external_ip,
       .advertise_loadbalancer_ip = options.advertise_loadbalancer_ip});
  controller.SetAdvertisedServices(&services);

  // Tunnels before the routes through them (node hooks run before the route sync).
  controller.AddNodeHook("overlay", [&overlay](const kr::routed::NodesSnapshot& snapshot) {
    return overlay.Sync(snapshot);
  });
  // Also with the overlay off: peers outside our subnet are then left to the network.
  controller.SetRouteShaper(
      [&overlay](const kr::routed::LearnedRoute& learned) { return overlay.Shape(learned); });

  // Pod egress: written only by a real run with root; otherwise logged and left out.
  std::unique_ptr<EgressSeams> egress;
  if (options.enable_pod_egress) {
    if (common.dry_run) {
      KR_LOG(INFO) << "--dry-run: pod egress not written";
    } else if ((egress = OpenEgress(true, options.enable_ipv4, options.enable_ipv6))) {
      controller.AddNodeHook("pod egress", kr::routed::EgressNodeHook(*egress->syncer));
    }
  }

  // Controller loop -> speaker, CNI file, kernel. Syncs on bus events, on Loc-RIB changes,
  // and every heartbeat (cheap when nothing changed) so held routes expire on time.
  kr::LoopOptions loop_options;
  loop_options.full_sync_period =
      std::chrono::duration_cast<kr::Clock::Duration>(routed_flags.routes_sync_period);
  loop_options.min_sync_interval = std::chrono::milliseconds(200);
  loop_options.heartbeat_interval = std::chrono::seconds(2);
  loop_options.Validate();
  kr::LoopHooks hooks = status.LoopHooksFor("routes", 3 * loop_options.full_sync_period);
  auto beat = hooks.on_heartbeat;
  hooks.on_heartbeat = [&loop_ptr, beat] {
    if (beat) beat();
    if (loop_ptr) loop_ptr->OnUpdate();
  };
  kr::ControllerLoop loop(controller, loop_options, hooks);
  loop_ptr = &loop;

  // Bus -> controller.
  kr::bus::Subscriber subscriber({.address = kr::bus::BusAddress::InDirectory(common.bus_dir)});
  kr::daemon::FeedLoop<kr::model::Node>(
      subscriber, loop, [&](const kr::model::Node& node) { controller.UpsertNode(node); },
      [&](const std::string& name) { controller.RemoveNode(name); });
  kr::daemon::FeedLoop<kr::model::Service>(
      subscriber, loop, [&](const kr::model::Service& service) { services.UpsertService(service); },
      [&](const std::string& key) { services.DeleteService(key); });
  kr::daemon::FeedLoop<kr::model::Endpoints>(
      subscriber, loop,
      [&](const kr::model::Endpoints& endpoints) { services.UpsertEndpoints(endpoints); },
      [&](const std::string& key) { services.DeleteEndpoints(key); });
  kr::daemon::FullSyncOnInSync(subscriber, loop, [&] { controller.MarkInSync(); });

  if (!kr::daemon::StartFeed(loop, subscriber, status)) return 1;
  // BGP control socket -> kr-bgp (neighbors, RIB). Optional: routing works without it.
  kr::routed::CurrentSpeakerControlSource control_source(bgp);
  const std::string control_path = routed_flags.bgp_control_socket.empty()
                                       ? common.bus_dir + "/routed-bgp.sock"
                                       : routed_flags.bgp_control_socket;
  auto control = kr::bgp::control::ControlServer::Start(control_source, control_path);
  if (!control) KR_LOG(WARNING) << "bgp control socket: " << control.error().message;

  KR_LOG(INFO) << "kr-routed " << KR_VERSION << " running, node " << options.node_name << ", bus "
               << common.bus_dir;

  kr::daemon::WaitThenStopFeed(signals, subscriber, loop);
  if (control) control->reset();  // its queries may hold the speaker
  bgp.Stop();                     // Cease to peers; before the loop its callback wakes is destroyed
  status.Stop();
  return 0;  // kernel routes stay: traffic keeps flowing until we are back
}
