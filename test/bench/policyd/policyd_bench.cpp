// policyd benchmark at 5,000 pods / 1,000 policies: the full sync of the whole state, and the
// latency of adding one pod with everything present (delta compile + delta write, i.e. what the
// controller does from a bus event to rules in place), against the kernel's own cost in the
// same run: iptables-restore + ipset restore of the same rules and sets. Also the rules a new
// local pod writes against the number of policies selecting it (linear).
//
// Needs root. Runs in a fresh network namespace of this process (unshare(CLONE_NEWNET)), so
// the host's rules and sets are never touched and nothing outlives the process. Usage:
//   ninja -C <build> services/policyd/policyd_bench && sudo <build>/services/policyd/policyd_bench
//   [runs]
// `runs` (default 5) full syncs, each against its own reference, for the spread of the ratio.
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "common/ipset/libipset_client.h"
#include "common/iptables/backend_detect.h"
#include "common/iptables/xtables_runner.h"
#include "services/policyd/core/firewall_syncer.h"
#include "services/policyd/core/incremental_compiler.h"
#include "services/policyd/core/test_objects.h"

namespace kr::policyd {
namespace {

using Clock = std::chrono::steady_clock;
using namespace testing;

constexpr int kNamespaces = 50;
constexpr int kPodsPerNamespace = 100;     // 5,000 pods
constexpr int kPoliciesPerNamespace = 20;  // 1,000 policies
constexpr int kApps = 20;
constexpr int kLocalEvery = 50;  // 100 pods on this node
constexpr int kPodAdds = 20;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "policyd_bench: %s\n", what.c_str());
  std::exit(1);
}

double Millis(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

std::string Ns(int i) {
  return "ns-" + std::to_string(i);
}
std::string App(int i) {
  return "app-" + std::to_string(i % kApps);
}

// 10.<hi>.<lo>.<x>: unique per pod index.
std::string PodIp(int index) {
  return "10." + std::to_string(index / 65536 % 256) + "." + std::to_string(index / 256 % 256) +
         "." + std::to_string(index % 256);
}

model::Pod BenchPod(int index) {
  int ns = index % kNamespaces;
  int within = index / kNamespaces;
  std::string node = index % kLocalEvery == 0 ? "node-1" : "node-" + std::to_string(2 + ns % 9);
  return MakePod(Ns(ns), "pod-" + std::to_string(index), {{"app", App(within)}, {"ns", Ns(ns)}},
                 PodIp(index), node, {{"http", "TCP", 8080}});
}

model::NetworkPolicy BenchPolicy(int ns, int k) {
  model::NetworkPolicyRule from_app{{Port("TCP", 80)}, {PodPeer(Labels({{"app", App(k + 1)}}))}};
  model::NetworkPolicyRule from_ns{
      {NamedPort("TCP", "http")},
      {BothPeer(Labels({{"team", "t" + std::to_string(k % 5)}}), Labels({{"app", App(k + 2)}}))}};
  model::NetworkPolicyRule to_app{{Port("TCP", 443)}, {PodPeer(Labels({{"app", App(k + 3)}}))}};
  return MakePolicy(Ns(ns), "pol-" + std::to_string(k), Labels({{"app", App(k)}}),
                    {"Ingress", "Egress"}, {from_app, from_ns}, {to_app});
}

int Run(const std::string& cmd) {
  return std::system(cmd.c_str());
}

double TimeCommand(const std::string& cmd) {
  auto start = Clock::now();
  if (Run(cmd) != 0) Die("failed: " + cmd);
  return Millis(Clock::now() - start);
}

void FillState(IncrementalCompiler& compiler) {
  for (int ns = 0; ns < kNamespaces; ++ns) {
    compiler.UpsertNamespace(MakeNamespace(Ns(ns), {{"team", "t" + std::to_string(ns % 5)}}));
  }
  for (int i = 0; i < kNamespaces * kPodsPerNamespace; ++i) compiler.UpsertPod(BenchPod(i));
  for (int ns = 0; ns < kNamespaces; ++ns) {
    for (int k = 0; k < kPoliciesPerNamespace; ++k) compiler.UpsertPolicy(BenchPolicy(ns, k));
  }
}

struct FullRun {
  double compile_ms = 0, sync_ms = 0, ref_sets_ms = 0, ref_rules_ms = 0;
  double ratio() const { return (compile_ms + sync_ms) / (ref_sets_ms + ref_rules_ms); }
};

// One full sync of the whole state into a fresh namespace, then the reference (the tools
// restoring what that sync left) into another fresh one, back to back so both see the same
// machine load.
FullRun MeasureFullSync(const CompilerOptions& options, iptables::XtablesRunner& runner,
                        std::size_t& rules, std::size_t& sets, std::size_t& members) {
  if (unshare(CLONE_NEWNET) != 0) Die("unshare(CLONE_NEWNET) needs root");
  auto opened = ipset::LibipsetClient::Open();
  if (!opened.ok()) Die("libipset: " + opened.error().message);
  IncrementalCompiler compiler(options);
  FirewallSyncer syncer(runner, **opened, options);
  FillState(compiler);

  FullRun run;
  auto start = Clock::now();
  CompiledFirewall desired = compiler.Compile();
  run.compile_ms = Millis(Clock::now() - start);
  start = Clock::now();
  auto synced = syncer.Sync(desired, true);
  if (!synced.ok()) Die("sync: " + synced.error().message);
  run.sync_ms = Millis(Clock::now() - start);
  rules = compiler.counts().rules;
  sets = compiler.counts().sets;
  members = compiler.counts().set_members;

  std::string saved_rules = "/tmp/policyd_bench_rules." + std::to_string(getpid());
  std::string saved_sets = "/tmp/policyd_bench_sets." + std::to_string(getpid());
  if (Run(runner.Tool(iptables::IpFamily::kIPv4, "save") + " > " + saved_rules) != 0 ||
      Run("ipset save > " + saved_sets) != 0) {
    Die("saving the reference payload failed");
  }
  if (unshare(CLONE_NEWNET) != 0) Die("unshare for the reference");
  run.ref_sets_ms = TimeCommand("ipset restore < " + saved_sets);
  run.ref_rules_ms =
      TimeCommand(runner.Tool(iptables::IpFamily::kIPv4, "restore") + " < " + saved_rules);
  std::remove(saved_rules.c_str());
  std::remove(saved_sets.c_str());
  return run;
}

int Main(int runs) {
  if (unshare(CLONE_NEWNET) != 0) Die("unshare(CLONE_NEWNET) needs root");
  iptables::XtablesRunner runner(iptables::DetectBackendFromSystem());
  CompilerOptions options;
  options.node_name = "node-1";
  options.ipv6 = false;

  std::size_t rules = 0, sets = 0, members = 0;
  std::vector<FullRun> full_runs;
  for (int r = 0; r < runs; ++r)
    full_runs.push_back(MeasureFullSync(options, runner, rules, sets, members));

  // The pod-add figures start from the full state, synced (untimed) into a fresh namespace.
  if (unshare(CLONE_NEWNET) != 0) Die("unshare for the pod adds");
  auto opened = ipset::LibipsetClient::Open();
  if (!opened.ok()) Die("libipset: " + opened.error().message);
  IncrementalCompiler compiler(options);
  FirewallSyncer syncer(runner, **opened, options);
  FillState(compiler);
  if (!syncer.Sync(compiler.Compile(), true).ok()) Die("full sync before the pod adds");
  // One pod added, with everything present: bus event -> delta compile -> delta write (what
  // the controller does for an event between full syncs).
  std::vector<double> local_adds, remote_adds, local_compile, remote_compile;
  std::size_t local_rules_written = 0, local_set_commands = 0;
  for (int i = 0; i < kPodAdds; ++i) {
    // Index beyond the present pods; every other one lands on this node.
    int index = kNamespaces * kPodsPerNamespace + i * kLocalEvery / 2;
    model::Pod pod = BenchPod(index);
    auto t0 = Clock::now();
    compiler.UpsertPod(pod);
    FirewallDelta delta = compiler.CompileDelta();
    auto t1 = Clock::now();
    auto added = syncer.ApplyDelta(delta);
    if (!added.ok()) Die("delta after add: " + added.error().message);
    double ms = Millis(Clock::now() - t0);
    (pod.node_name == "node-1" ? local_compile : remote_compile).push_back(Millis(t1 - t0));
    if (pod.node_name == "node-1") {
      local_adds.push_back(ms);
      local_rules_written = static_cast<std::size_t>(added->plans[0].rules_written);
      local_set_commands = added->ipset_commands;
    } else {
      remote_adds.push_back(ms);
    }
  }

  // The rule count of a new local pod against the number of policies selecting it: n policies
  // select label lin=n; the pod's delta writes its chain (one jump per policy, NFLOG-less reject,
  // mark reset) and one jump in the top-level chain.
  std::vector<std::pair<int, int>> growth;
  for (int n : {0, 1, 2, 4, 8, 16}) {
    for (int k = 0; k < n; ++k) {
      compiler.UpsertPolicy(
          MakePolicy(Ns(0), "lin-" + std::to_string(n) + "-" + std::to_string(k),
                     Labels({{"lin", std::to_string(n)}}), {"Ingress"},
                     {{{Port("TCP", 1000 + k)}, {PodPeer(Labels({{"app", App(k)}}))}}}));
    }
    if (!syncer.ApplyDelta(compiler.CompileDelta()).ok()) Die("policies for the growth figure");
    model::Pod pod = MakePod(Ns(0), "lin-pod-" + std::to_string(n), {{"lin", std::to_string(n)}},
                             PodIp(200000 + n), "node-1");
    std::size_t rules_before = compiler.counts().rules;
    compiler.UpsertPod(pod);
    auto written = syncer.ApplyDelta(compiler.CompileDelta());
    if (!written.ok()) Die("growth pod: " + written.error().message);
    if (compiler.counts().rules - rules_before !=
        static_cast<std::size_t>(written->plans[0].rules_written)) {
      Die("the delta wrote other rules than the pod's own");
    }
    growth.emplace_back(n, written->plans[0].rules_written);
  }

  // The fixed cost of one iptables-restore --noflush with this state in the kernel (the nft
  // backend reads the table before it writes): a floor under every local pod add.
  std::vector<double> restore_floor;
  for (int i = 0; i < 5; ++i) {
    auto r0 = Clock::now();
    if (!runner.Restore(iptables::IpFamily::kIPv4, "*filter\nCOMMIT\n").ok()) Die("empty restore");
    restore_floor.push_back(Millis(Clock::now() - r0));
  }

  // The fixed part of that path: a delta with nothing changed.
  auto n0 = Clock::now();
  FirewallDelta nothing = compiler.CompileDelta();
  auto n1 = Clock::now();
  if (!syncer.ApplyDelta(nothing).ok()) Die("no-op delta failed");
  double noop_compile = Millis(n1 - n0), noop_sync = Millis(Clock::now() - n1);

  // The delta path left exactly the full state: a full sync (kernel re-read) changes nothing.
  auto check = syncer.Sync(compiler.Compile(), true);
  if (!check.ok()) Die("full sync after deltas: " + check.error().message);
  if (!check->plans[0].empty() || check->ipset_commands != 0) {
    Die("the deltas left the kernel different from the full state");
  }

  auto median = [](std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  auto worst = [](const std::vector<double>& v) {
    return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end());
  };
  std::printf("state: %d pods, %d policies, %zu rules, %zu sets, %zu set members (%s)\n",
              kNamespaces * kPodsPerNamespace, kNamespaces * kPoliciesPerNamespace, rules, sets,
              members, std::string(iptables::BackendName(runner.backend())).c_str());
  std::vector<double> ratios;
  for (const FullRun& run : full_runs) {
    ratios.push_back(run.ratio());
    std::printf(
        "full sync: compile %.1f ms + sync %.1f ms; reference restore %.1f ms (ipset %.1f + "
        "iptables %.1f); ratio %.2f\n",
        run.compile_ms, run.sync_ms, run.ref_sets_ms + run.ref_rules_ms, run.ref_sets_ms,
        run.ref_rules_ms, run.ratio());
  }
  std::printf("full sync ratio over %zu runs (target <= 1.5): median %.2f, min %.2f, max %.2f\n",
              ratios.size(), median(ratios), *std::min_element(ratios.begin(), ratios.end()),
              worst(ratios));
  std::printf(
      "pod add, event to rules in place (target < 20 ms): local median %.1f ms max %.1f "
      "ms; remote median %.1f ms max %.1f ms; of which delta compile: local %.1f ms, remote %.1f "
      "ms (medians)\n",
      median(local_adds), worst(local_adds), median(remote_adds), worst(remote_adds),
      median(local_compile), median(remote_compile));
  std::printf(
      "  last local pod add wrote %zu rules and %zu ipset commands; an empty iptables-restore "
      "--noflush alone takes %.1f ms (median)\n",
      local_rules_written, local_set_commands, median(restore_floor));
  std::printf("rules written for a new local pod selected by n policies:");
  for (const auto& [n, rules_written] : growth) std::printf(" n=%d: %d;", n, rules_written);
  std::printf("\nno change: delta compile %.2f ms, delta write %.2f ms\n", noop_compile, noop_sync);
  return 0;
}

}  // namespace
}  // namespace kr::policyd

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::atoi(argv[1]) : 5;
  return kr::policyd::Main(runs < 1 ? 1 : runs);
}
