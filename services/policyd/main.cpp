// kr-policyd: the NetworkPolicy firewall. Wires the modules together; see services/policyd/core
// (the rule compiler and syncer) and services/policyd/controller (bus events -> syncs).
//
// Bus (Pod, Namespace, NetworkPolicy) -> PolicyController (IncrementalCompiler, FirewallSyncer)
// -> ipset + iptables-restore --noflush of the chains policyd owns.
#include "common/bus/subscriber.h"
#include "common/daemon/bus_daemon.h"
#include "common/daemon/bus_feed.h"
#include "common/daemon/daemon_status.h"
#include "common/flags/common_flags.h"
#include "common/ipset/libipset_client.h"
#include "common/iptables/backend_detect.h"
#include "common/iptables/xtables_runner.h"
#include "common/log/log.h"
#include "common/runtime/controller_loop.h"
#include "common/runtime/shutdown_signals.h"
#include "services/policyd/bridge_netfilter.h"
#include "services/policyd/controller/dry_run_seams.h"
#include "services/policyd/controller/policy_controller.h"
#include "services/policyd/controller/policy_metrics.h"
#include "services/policyd/controller/policyd_flags.h"

int main(int argc, char** argv) {
  kr::ShutdownSignals signals;  // first: every later thread inherits the blocked signals

  kr::flags::CommonFlags common;
  common.health_port = 20243;
  kr::policyd::PolicydFlags policy_flags;
  kr::daemon::ParseFlagsOrExit(argc, argv, "kr-policyd",
                               "NetworkPolicy firewall: iptables chains and ipsets "
                               "from the kr-node bus.",
                               common, policy_flags);

  const std::string node_name = common.NodeName();
  if (node_name.empty()) {
    KR_LOG(ERROR) << "no node name: pass --hostname-override";
    return 2;
  }
  const kr::policyd::CompilerOptions options = policy_flags.ToOptions(node_name);

  // Kernel seams. --dry-run reads the real kernel and logs every write instead.
  kr::iptables::XtablesRunner xtables(kr::iptables::DetectBackendFromSystem());
  auto opened = kr::ipset::LibipsetClient::Open();
  if (!opened.ok()) {
    KR_LOG(ERROR) << "ipset: " << opened.error().message;
    return 1;
  }
  kr::policyd::DryRunIptablesRunner dry_run_xtables(xtables);
  kr::policyd::DryRunIpsetClient dry_run_ipset(**opened);
  kr::iptables::IptablesRunner& runner =
      common.dry_run ? static_cast<kr::iptables::IptablesRunner&>(dry_run_xtables) : xtables;
  kr::ipset::IpsetClient& ipset =
      common.dry_run ? static_cast<kr::ipset::IpsetClient&>(dry_run_ipset) : **opened;

  if (common.cleanup_config) {
    kr::policyd::PolicyController cleaner(options, runner, ipset, nullptr);
    kr::Status cleaned = cleaner.Cleanup();
    if (!cleaned.ok()) KR_LOG(ERROR) << "cleanup: " << cleaned.error().message;
    return cleaned.ok() ? 0 : 1;
  }

  // Same-node pod traffic crosses kube-bridge: without br_netfilter it never meets our chains.
  // A failure is logged and not fatal (routed traffic is still filtered), as in kube-router.
  kr::policyd::BridgeNetfilterOptions bridge;
  bridge.dry_run = common.dry_run;
  (void)kr::policyd::EnableBridgeNetfilter(bridge);

  // Observability: /healthz and /metrics.
  kr::daemon::DaemonStatus status("policyd", common);
  if (kr::Status started = status.Start(); !started.ok()) {
    KR_LOG(ERROR) << started.error().message;
    return 1;
  }
  kr::policyd::PolicyMetrics metrics(status.registry());
  kr::policyd::PolicyController controller(options, runner, ipset, &metrics);

  kr::LoopOptions loop_options;
  loop_options.full_sync_period =
      std::chrono::duration_cast<kr::Clock::Duration>(policy_flags.iptables_sync_period);
  // Events are applied as set-membership and chain deltas; coalescing beyond a few ms only
  // adds latency to pod start-up.
  loop_options.min_sync_interval = std::chrono::milliseconds(5);
  loop_options.heartbeat_interval = std::chrono::seconds(2);
  loop_options.Validate();
  kr::LoopHooks hooks = status.LoopHooksFor("firewall", 3 * loop_options.full_sync_period);
  kr::ControllerLoop loop(controller, loop_options, hooks);

  kr::bus::Subscriber subscriber({.address = kr::bus::BusAddress::InDirectory(common.bus_dir)});
  kr::daemon::FeedLoop<kr::model::Pod>(
      subscriber, loop, [&](const kr::model::Pod& pod) { controller.UpsertPod(pod); },
      [&](const std::string& key) { controller.DeletePod(key); });
  kr::daemon::FeedLoop<kr::model::Namespace>(
      subscriber, loop, [&](const kr::model::Namespace& ns) { controller.UpsertNamespace(ns); },
      [&](const std::string& key) { controller.DeleteNamespace(key); });
  kr::daemon::FeedLoop<kr::model::NetworkPolicy>(
      subscriber, loop,
      [&](const kr::model::NetworkPolicy& policy) { controller.UpsertPolicy(policy); },
      [&](const std::string& key) { controller.DeletePolicy(key); });
  kr::daemon::FullSyncOnInSync(subscriber, loop, [&] { controller.MarkInSync(); });

  if (!kr::daemon::StartFeed(loop, subscriber, status)) return 1;
  KR_LOG(INFO) << "kr-policyd " << KR_VERSION << " running, node " << node_name << ", bus "
               << common.bus_dir << (common.dry_run ? " (dry run)" : "");

  kr::daemon::WaitThenStopFeed(signals, subscriber, loop);
  status.Stop();
  return 0;
}
