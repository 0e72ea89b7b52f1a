// kr-proxyd: the IPVS service proxy. Wires the modules together; see services/proxyd/core.
//
// Bus (Service, Endpoints, Node) -> ProxyController (ProxyCore: desired IPVS state, diff
// against the kernel) -> IPVS over generic netlink, VIPs on kube-dummy-if over rtnetlink,
// iptables glue, health check ports, DSR policy routing and pod tunnels (ServiceGlue).
#include <cstdlib>
#include <exception>

#include "common/bus/subscriber.h"
#include "common/daemon/bus_daemon.h"
#include "common/daemon/bus_feed.h"
#include "common/daemon/daemon_status.h"
#include "common/flags/common_flags.h"
#include "common/iptables/backend_detect.h"
#include "common/iptables/xtables_runner.h"
#include "common/log/log.h"
#include "common/route/rule_kernel.h"
#include "common/runtime/controller_loop.h"
#include "common/runtime/shutdown_signals.h"
#include "services/proxyd/core/dsr_fwmark.h"
#include "services/proxyd/dsr_networking.h"
#include "services/proxyd/health_check_responder.h"
#include "services/proxyd/kernel/dry_run_ipvs_kernel.h"
#include "services/proxyd/kernel/dummy_vips.h"
#include "services/proxyd/kernel/netlink_vip_link_kernel.h"
#include "services/proxyd/kernel/reopening_ipvs_kernel.h"
#include "services/proxyd/kernel/sysctls.h"
#include "services/proxyd/proxy_controller.h"
#include "services/proxyd/proxy_metrics.h"
#include "services/proxyd/proxyd_flags.h"

int main(int argc, char** argv) {
  kr::ShutdownSignals signals;  // first: every later thread inherits the blocked signals

  kr::flags::CommonFlags common;
  common.health_port = 20242;
  kr::proxyd::ProxydFlags proxy_flags;
  kr::daemon::ParseFlagsOrExit(argc, argv, "kr-proxyd",
                               "IPVS service proxy: ClusterIP, NodePort, external and "
                               "LoadBalancer IPs from the kr-node bus.",
                               common, proxy_flags);

  kr::proxyd::ProxyOptions options;
  try {
    options = proxy_flags.ToOptions(common.NodeName());
  } catch (const std::exception& e) {
    KR_LOG(ERROR) << e.what();
    return 2;
  }

  // Kernel seams. --dry-run reads the real kernel and logs every write instead.
  kr::proxyd::ReopeningIpvsKernel netlink_ipvs;
  if (!netlink_ipvs.available()) {
    KR_LOG(ERROR) << "IPVS is not available (ip_vs loaded?); syncs fail until it is";
  }
  kr::proxyd::DryRunIpvsKernel dry_run_ipvs(netlink_ipvs);
  kr::ipvs::IpvsKernel& ipvs =
      common.dry_run ? static_cast<kr::ipvs::IpvsKernel&>(dry_run_ipvs) : netlink_ipvs;
  auto links = kr::proxyd::NetlinkVipLinkKernel::Open();
  if (!links) {
    KR_LOG(ERROR) << "rtnetlink: " << links.error().message;
    return 1;
  }
  kr::proxyd::DummyVips vips(**links,
                             {.name = kr::proxyd::kDummyInterfaceName, .dry_run = common.dry_run});
  // iptables glue in the backend the node's other rules use; health check ports on all
  // addresses of both families (kube-proxy's default).
  const kr::iptables::Backend backend = kr::iptables::DetectBackendFromSystem();
  KR_LOG(INFO) << "iptables backend: " << kr::iptables::BackendName(backend);
  kr::iptables::XtablesRunner iptables_runner(backend);
  kr::proxyd::HealthCheckResponder health_checks({.address = kr::proxyd::kDualStackAddress});
  // DSR: policy routing for the marks on the node, tunnels in the local endpoints' pods.
  auto rule_kernel = kr::route::NetlinkRuleKernel::Create();
  auto local_routes = kr::proxyd::NetlinkLocalDefaultRoutes::Open();
  if (!rule_kernel || !local_routes) {
    KR_LOG(ERROR) << "rtnetlink: "
                  << (!rule_kernel ? rule_kernel.error() : local_routes.error()).message;
    return 1;
  }
  kr::proxyd::DsrPolicyRouting dsr_routing(
      *rule_kernel, *local_routes,
      {.owns_mark = kr::proxyd::IsDsrFwmark, .dry_run = common.dry_run});
  kr::proxyd::PodTunnels pod_tunnels(
      {.netns_dir = proxy_flags.pod_netns_dir, .dry_run = common.dry_run});
  kr::proxyd::KernelDsrNetworking dsr(dsr_routing, pod_tunnels);
  const kr::proxyd::ServiceGlueSeams glue{.iptables_v4 = &iptables_runner,
                                          .iptables_v6 = &iptables_runner,
                                          .health_checks = &health_checks,
                                          .dsr = &dsr,
                                          .dry_run = common.dry_run};

  if (common.cleanup_config) {
    kr::proxyd::ProxyController cleaner(options, ipvs, vips, nullptr, glue);
    kr::Status cleaned = cleaner.Cleanup();
    if (!cleaned) KR_LOG(ERROR) << "cleanup: " << cleaned.error().message;
    return cleaned ? 0 : 1;
  }

  // Only where IPVS runs: a host without it is not a proxy node whose settings we may change.
  // Failures are logged; IPVS still works without some of them (e.g. in a container).
  if (netlink_ipvs.available()) {
    kr::proxyd::ProcSysctlWriter sysctl_writer;
    (void)kr::proxyd::ApplySysctls(sysctl_writer, kr::proxyd::IpvsSysctls(proxy_flags.enable_ipv6),
                                   common.dry_run);
  }

  // Observability: /healthz and /metrics.
  kr::daemon::DaemonStatus status("proxyd", common);
  if (kr::Status started = status.Start(); !started.ok()) {
    KR_LOG(ERROR) << started.error().message;
    return 1;
  }
  kr::proxyd::ProxyMetrics metrics(status.registry());
  kr::proxyd::ProxyController controller(options, ipvs, vips, &metrics, glue);

  kr::LoopOptions loop_options;
  loop_options.full_sync_period =
      std::chrono::duration_cast<kr::Clock::Duration>(proxy_flags.sync_period);
  loop_options.min_sync_interval = std::chrono::milliseconds(100);
  loop_options.heartbeat_interval = std::chrono::seconds(2);  // also the graceful-delete tick
  loop_options.Validate();
  kr::LoopHooks hooks = status.LoopHooksFor("ipvs", 3 * loop_options.full_sync_period);
  kr::ControllerLoop* loop_ptr = nullptr;
  auto beat = hooks.on_heartbeat;
  hooks.on_heartbeat = [&controller, &loop_ptr, beat] {
    if (beat) beat();
    // Destinations at weight 0 are deleted by the sync after their grace period.
    if (loop_ptr && controller.HasDraining()) loop_ptr->OnUpdate();
  };
  kr::ControllerLoop loop(controller, loop_options, hooks);
  loop_ptr = &loop;

  kr::bus::Subscriber subscriber({.address = kr::bus::BusAddress::InDirectory(common.bus_dir)});
  kr::daemon::FeedLoop<kr::model::Service>(
      subscriber, loop,
      [&](const kr::model::Service& service) { controller.UpsertService(service); },
      [&](const std::string& key) { controller.RemoveService(key); });
  kr::daemon::FeedLoop<kr::model::Endpoints>(
      subscriber, loop,
      [&](const kr::model::Endpoints& endpoints) { controller.UpsertEndpoints(endpoints); },
      [&](const std::string& key) { controller.RemoveEndpoints(key); });
  // A node without its object keeps its last NodePort IPs.
  kr::daemon::FeedLoop<kr::model::Node>(
      subscriber, loop, [&](const kr::model::Node& node) { controller.UpsertNode(node); },
      [](const std::string&) {});
  kr::daemon::FullSyncOnInSync(subscriber, loop, [&] { controller.MarkInSync(); });

  if (!kr::daemon::StartFeed(loop, subscriber, status)) return 1;
  KR_LOG(INFO) << "kr-proxyd " << KR_VERSION << " running, node " << options.node_name << ", bus "
               << common.bus_dir;

  kr::daemon::WaitThenStopFeed(signals, subscriber, loop);
  status.Stop();
  return 0;
}
