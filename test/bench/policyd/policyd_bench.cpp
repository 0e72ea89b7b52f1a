// policyd benchmark at 5,000 pods / 1,000 policies: the full sync of the whole state, and the
// latency of adding one pod with everything present (compile + sync with the fast path, i.e.
// what the controller does from a bus event to rules in place), against the kernel's own cost
// in the same run: iptables-restore + ipset restore of the same rules and sets.
//
// Needs root. Runs in a fresh network namespace of this process (unshare(CLONE_NEWNET)), so
// the host's rules and sets are never touched and nothing outlives the process. Usage:
//   ninja -C <build> services/policyd/policyd_bench && sudo <build>/services/policyd/policyd_bench
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

int Main() {
  if (unshare(CLONE_NEWNET) != 0) Die("unshare(CLONE_NEWNET) needs root");
  iptables::XtablesRunner runner(iptables::DetectBackendFromSystem());
  auto opened = ipset::LibipsetClient::Open();
  if (!opened.ok()) Die("libipset: " + opened.error().message);
  CompilerOptions options;
  options.node_name = "node-1";
  options.ipv6 = false;
  IncrementalCompiler compiler(options);
  FirewallSyncer syncer(runner, **opened, options);

  for (int ns = 0; ns < kNamespaces; ++ns) {
    compiler.UpsertNamespace(MakeNamespace(Ns(ns), {{"team", "t" + std::to_string(ns % 5)}}));
  }
  for (int i = 0; i < kNamespaces * kPodsPerNamespace; ++i) compiler.UpsertPod(BenchPod(i));
  for (int ns = 0; ns < kNamespaces; ++ns) {
    for (int k = 0; k < kPoliciesPerNamespace; ++k) compiler.UpsertPolicy(BenchPolicy(ns, k));
  }

  auto start = Clock::now();
  CompiledFirewall desired = compiler.Compile();
  double compile_ms = Millis(Clock::now() - start);
  start = Clock::now();
  auto synced = syncer.Sync(desired, true);
  if (!synced.ok()) Die("sync: " + synced.error().message);
  double full_ms = Millis(Clock::now() - start);
  std::size_t rules = 0, members = 0;
  for (const auto& [table, t] : desired.rules[0]) {
    for (const auto& [chain, r] : t.chains) rules += r.size();
  }
  for (const auto& set : desired.sets) members += set.members.size();

  // The reference: the same rules and sets, restored by the tools into a fresh namespace.
  std::string saved_rules = "/tmp/policyd_bench_rules." + std::to_string(getpid());
  std::string saved_sets = "/tmp/policyd_bench_sets." + std::to_string(getpid());
  if (Run(runner.Tool(iptables::IpFamily::kIPv4, "save") + " > " + saved_rules) != 0 ||
      Run("ipset save > " + saved_sets) != 0) {
    Die("saving the reference payload failed");
  }

  // One pod added, with everything present: bus event -> compile -> fast-path sync.
  std::vector<double> local_adds, remote_adds, compile_part;
  for (int i = 0; i < kPodAdds; ++i) {
    // Index beyond the present pods; every other one lands on this node.
    int index = kNamespaces * kPodsPerNamespace + i * kLocalEvery / 2;
    model::Pod pod = BenchPod(index);
    auto t0 = Clock::now();
    compiler.UpsertPod(pod);
    CompiledFirewall next = compiler.Compile();
    auto t1 = Clock::now();
    auto added = syncer.Sync(next, false);
    if (!added.ok()) Die("sync after add: " + added.error().message);
    double ms = Millis(Clock::now() - t0);
    compile_part.push_back(Millis(t1 - t0));
    (pod.node_name == "node-1" ? local_adds : remote_adds).push_back(ms);
  }

  // The fixed part of that path: compile and fast-path sync with nothing changed.
  auto n0 = Clock::now();
  CompiledFirewall same = compiler.Compile();
  auto n1 = Clock::now();
  if (!syncer.Sync(same, false).ok()) Die("no-op sync failed");
  double noop_compile = Millis(n1 - n0), noop_sync = Millis(Clock::now() - n1);

  // Reference in a fresh namespace (the kernel's own cost for the same state).
  if (unshare(CLONE_NEWNET) != 0) Die("unshare for the reference");
  double ref_sets = TimeCommand("ipset restore < " + saved_sets);
  double ref_rules =
      TimeCommand(runner.Tool(iptables::IpFamily::kIPv4, "restore") + " < " + saved_rules);
  std::remove(saved_rules.c_str());
  std::remove(saved_sets.c_str());

  auto median = [](std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  auto worst = [](const std::vector<double>& v) {
    return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end());
  };
  std::printf("state: %d pods, %d policies, %zu rules, %zu sets, %zu set members (%s)\n",
              kNamespaces * kPodsPerNamespace, kNamespaces * kPoliciesPerNamespace, rules,
              desired.sets.size(), members,
              std::string(iptables::BackendName(runner.backend())).c_str());
  std::printf(
      "full: compile %.1f ms + sync %.1f ms; reference restore %.1f ms "
      "(ipset %.1f + iptables %.1f); ratio %.2f (target <= 1.5)\n",
      compile_ms, full_ms, ref_sets + ref_rules, ref_sets, ref_rules,
      (compile_ms + full_ms) / (ref_sets + ref_rules));
  std::printf(
      "pod add, event to rules in place (target < 20 ms): local median %.1f ms max %.1f "
      "ms; remote median %.1f ms max %.1f ms; compile part median %.1f ms\n",
      median(local_adds), worst(local_adds), median(remote_adds), worst(remote_adds),
      median(compile_part));
  std::printf("no change: compile %.1f ms, fast-path sync %.1f ms\n", noop_compile, noop_sync);
  return 0;
}

}  // namespace
}  // namespace kr::policyd

int main() {
  return kr::policyd::Main();
}
