// The incremental compiler against the kernel-like fakes: each event recomputes only the
// fragments it affects, always agrees with a compile from scratch, and the sync that follows
// rewrites only the affected chains and sets.
#include "services/policyd/core/incremental_compiler.h"

#include <catch2/catch.hpp>

#include "common/ipset/fake_ipset_client.h"
#include "common/iptables/fake_iptables_runner.h"
#include "services/policyd/core/firewall_syncer.h"
#include "services/policyd/core/names.h"
#include "services/policyd/core/test_objects.h"

namespace kr::policyd {
namespace {

using namespace testing;
using Names = std::set<std::string>;
using Strings = std::vector<std::string>;

model::NetworkPolicyRule Rule(std::vector<model::NetworkPolicyPeer> peers,
                              std::vector<model::NetworkPolicyPort> ports = {}) {
  return model::NetworkPolicyRule{std::move(ports), std::move(peers)};
}

bool SameFirewall(const CompiledFirewall& a, const CompiledFirewall& b) {
  if (a.sets != b.sets) return false;
  for (int family = 0; family < 2; ++family) {
    if (a.rules[family].size() != b.rules[family].size()) return false;
    for (const auto& [name, table] : a.rules[family]) {
      auto it = b.rules[family].find(name);
      if (it == b.rules[family].end() || table.chains != it->second.chains ||
          table.jumps != it->second.jumps) {
        return false;
      }
    }
  }
  return true;
}

// A compile from scratch that scans every pod instead of using the compiler's pod index.
CompiledFirewall CompileAllByScanning(const ClusterState& state, const CompilerOptions& options) {
  ClusterState copy = state;
  copy.pod_index = nullptr;
  return CompileAll(copy, options);
}

std::string Filter(const std::string& chain) {
  return "filter/" + chain;
}

struct Fixture {
  CompilerOptions options;
  iptables::FakeIptablesRunner iptables;
  ipset::FakeIpsetClient ipset;
  std::optional<IncrementalCompiler> compiler;
  std::optional<FirewallSyncer> syncer;

  // x/a (app=a) and x/b (app=b) and x/c (role=frontend) on this node, y/d elsewhere.
  // x/pa isolates app=a for ingress from role=frontend; x/pb isolates app=b for ingress from
  // namespace y on TCP 80.
  Fixture() {
    options.node_name = "node-1";
    options.ipv6 = false;
    compiler.emplace(options);
    syncer.emplace(iptables, ipset, options);
    compiler->UpsertNamespace(MakeNamespace("x"));
    compiler->UpsertNamespace(MakeNamespace("y", {{"team", "y"}}));
    compiler->UpsertPod(MakePod("x", "a", {{"app", "a"}}, "198.51.100.11"));
    compiler->UpsertPod(MakePod("x", "b", {{"app", "b"}}, "198.51.100.12"));
    compiler->UpsertPod(MakePod("x", "c", {{"role", "frontend"}}, "198.51.100.13"));
    compiler->UpsertPod(MakePod("y", "d", {{"app", "d"}}, "198.51.100.21", "node-2"));
    compiler->UpsertPolicy(MakePolicy("x", "pa", Labels({{"app", "a"}}), {"Ingress"},
                                      {Rule({PodPeer(Labels({{"role", "frontend"}}))})}));
    compiler->UpsertPolicy(
        MakePolicy("x", "pb", Labels({{"app", "b"}}), {"Ingress"},
                   {Rule({NamespacePeer(Labels({{"team", "y"}}))}, {Port("TCP", 80)})}));
    SyncResult first = Sync();
    CHECK(first.plans[0].created_chains.size() == 6);  // 2 top-level, 2 policies, 2 pods
  }

  SyncResult Sync() {
    CompiledFirewall desired = compiler->Compile();
    CHECK(SameFirewall(desired, CompileAllByScanning(compiler->state(), options)));
    auto result = syncer->Sync(desired);
    INFO((result.ok() ? "" : result.error().message));
    REQUIRE(result.ok());
    auto again = syncer->Sync(desired);
    REQUIRE(again.ok());
    CHECK(again->plans[0].empty());
    CHECK(again->ipset_commands == 0);
    return *result;
  }

  // Writes the delta, then checks that a full sync (kernel re-read) finds nothing to change.
  SyncResult ApplyDelta() {
    FirewallDelta delta = compiler->CompileDelta();
    auto result = syncer->ApplyDelta(delta);
    INFO((result.ok() ? "" : result.error().message));
    REQUIRE(result.ok());
    CompiledFirewall desired = compiler->Compile();
    CHECK(SameFirewall(desired, CompileAllByScanning(compiler->state(), options)));
    auto full = syncer->Sync(desired, true);
    REQUIRE(full.ok());
    CHECK(full->plans[0].empty());
    CHECK(full->ipset_commands == 0);
    return *result;
  }
};

std::vector<ipset::IpsetOp::Kind> Kinds(const ipset::IpsetBatch& batch) {
  std::vector<ipset::IpsetOp::Kind> kinds;
  for (const ipset::IpsetOp& op : batch.ops()) kinds.push_back(op.kind);
  return kinds;
}

TEST_CASE("policyd_incremental: a peer's label change rewrites one set and no chain") {
  Fixture f;
  f.compiler->UpsertPod(MakePod("x", "c", {{"role", "backend"}}, "198.51.100.13"));
  SyncResult result = f.Sync();
  CHECK(f.compiler->last_work().policies == Names{"x/pa"});
  CHECK(result.plans[0].rewritten_chains.empty());
  CHECK(result.plans[0].created_chains.empty());
  CHECK(result.sets_changed == Names{PeerSetName('4', "x/pa|ingress|0")});
  auto sets = f.ipset.List(PeerSetName('4', "x/pa|ingress|0"));
  REQUIRE(sets->size() == 1);
  CHECK(sets->front().members.empty());
}

TEST_CASE("policyd_incremental: a pod added creates its chain and touches nothing else") {
  Fixture f;
  f.compiler->UpsertPod(MakePod("x", "e", {{"app", "a"}}, "198.51.100.14"));
  SyncResult result = f.Sync();
  CHECK(f.compiler->last_work().policies == Names{"x/pa"});
  CHECK(f.compiler->last_work().pods == Names{"x/e"});
  CHECK(result.plans[0].created_chains == Strings{Filter(PodIngressChain("x/e"))});
  CHECK(result.plans[0].rewritten_chains == Strings{Filter("KR-POL-FORWARD")});
  CHECK(result.sets_changed.empty());

  // A pod of namespace y, elsewhere: only x/pb's peer set changes.
  f.compiler->UpsertPod(MakePod("y", "f", {}, "198.51.100.22", "node-2"));
  result = f.Sync();
  CHECK(f.compiler->last_work().policies == Names{"x/pb"});
  CHECK(f.compiler->last_work().pods.empty());
  CHECK(result.plans[0].empty());
  CHECK(result.sets_changed == Names{PeerSetName('4', "x/pb|ingress|0")});
}

TEST_CASE("policyd_incremental: a policy change rewrites only its own chain") {
  Fixture f;
  f.compiler->UpsertPolicy(
      MakePolicy("x", "pb", Labels({{"app", "b"}}), {"Ingress"},
                 {Rule({NamespacePeer(Labels({{"team", "y"}}))}, {Port("TCP", 443)})}));
  SyncResult result = f.Sync();
  CHECK(f.compiler->last_work().policies == Names{"x/pb"});
  CHECK(result.plans[0].rewritten_chains == Strings{Filter(PolicyIngressChain("x/pb"))});
  CHECK(result.plans[0].created_chains.empty());
  CHECK(result.sets_changed.empty());

  // Deleting a policy removes its chain, its set and the isolation of its pods.
  f.compiler->DeletePolicy("x/pa");
  result = f.Sync();
  const auto& deleted = result.plans[0].deleted_chains;
  CHECK(Names(deleted.begin(), deleted.end()) ==
        Names{Filter(PodIngressChain("x/a")), Filter(PolicyIngressChain("x/pa"))});
  CHECK(result.sets_changed == Names{PeerSetName('4', "x/pa|ingress|0")});
  CHECK(f.ipset.List(PeerSetName('4', "x/pa|ingress|0"))->empty());
}

TEST_CASE("policyd_incremental: namespace labels and pod deletion") {
  Fixture f;
  f.compiler->UpsertNamespace(MakeNamespace("x", {{"team", "y"}}));
  SyncResult result = f.Sync();
  CHECK(f.compiler->last_work().policies == Names{"x/pb"});
  CHECK(result.sets_changed == Names{PeerSetName('4', "x/pb|ingress|0")});

  f.compiler->DeletePod("x/a");
  result = f.Sync();
  CHECK(f.compiler->last_work().policies == Names{"x/pa", "x/pb"});
  CHECK(result.plans[0].deleted_chains == Strings{Filter(PodIngressChain("x/a"))});
  CHECK(result.sets_changed == Names{PeerSetName('4', "x/pb|ingress|0")});

  // Another owner's rules in the same tables survive every sync and the cleanup.
  auto& filter = *f.iptables.rules(iptables::IpFamily::kIPv4).FindTable("filter");
  filter.FindChain("FORWARD")->rules.push_back("-s 203.0.113.0/24 -j ACCEPT");
  f.compiler->DeletePolicy("x/pb");
  f.Sync();
  REQUIRE(f.syncer->Cleanup().ok());
  CHECK(filter.FindChain("FORWARD")->rules == Strings{"-s 203.0.113.0/24 -j ACCEPT"});
  CHECK(filter.chains.size() == 3);
  CHECK(f.ipset.List("")->empty());
}

TEST_CASE("policyd_incremental: a pod add as a delta: its chain, one jump, single members") {
  Fixture f;
  f.compiler->UpsertPod(MakePod("x", "e", {{"app", "a"}, {"role", "frontend"}}, "198.51.100.14"));
  FirewallDelta delta = f.compiler->CompileDelta();
  std::vector<std::string> chains;
  for (const auto& change : delta.chains[0]) chains.push_back(change.chain);
  CHECK(Names(chains.begin(), chains.end()) == Names{PodIngressChain("x/e"), "KR-POL-FORWARD"});
  // x/e is a frontend, so it joins x/pa's peer set: one add, nothing rebuilt.
  CHECK(Kinds(delta.sets_before_rules) ==
        std::vector<ipset::IpsetOp::Kind>{ipset::IpsetOp::Kind::kAdd});
  CHECK(delta.sets_before_rules.ops()[0].spec.name == PeerSetName('4', "x/pa|ingress|0"));
  CHECK(delta.sets_after_rules.empty());
  auto result = f.syncer->ApplyDelta(delta);
  REQUIRE(result.ok());
  const std::string& payload = result->plans[0].payload;
  CHECK(payload.find(":KR-POL-FORWARD") == std::string::npos);  // edited, not rewritten
  CHECK(payload.find("-I KR-POL-FORWARD ") != std::string::npos);
  CHECK(result->plans[0].created_chains == Strings{Filter(PodIngressChain("x/e"))});
  auto full = f.syncer->Sync(f.compiler->Compile(), true);
  REQUIRE(full.ok());
  CHECK(full->plans[0].empty());
  CHECK(full->ipset_commands == 0);
}

TEST_CASE("policyd_incremental: deltas of every kind of event leave the full state") {
  Fixture f;
  f.compiler->UpsertPod(MakePod("x", "e", {{"app", "a"}}, "198.51.100.14"));
  f.ApplyDelta();
  f.compiler->UpsertPod(MakePod("y", "f", {}, "198.51.100.22", "node-2"));
  f.ApplyDelta();
  f.compiler->UpsertPod(MakePod("x", "c", {{"role", "backend"}}, "198.51.100.13"));
  f.ApplyDelta();
  f.compiler->UpsertPolicy(MakePolicy("x", "pc", Labels({{"app", "a"}}), {"Ingress", "Egress"},
                                      {Rule({BlockPeer("192.0.2.0/24", {"192.0.2.8/29"})})},
                                      {Rule({}, {NamedPort("TCP", "http")})}));
  f.ApplyDelta();
  f.compiler->UpsertPod(MakePod("y", "g", {}, "198.51.100.23", "node-2", {{"http", "TCP", 8080}}));
  f.ApplyDelta();
  f.compiler->UpsertNamespace(MakeNamespace("x", {{"team", "y"}}));
  f.ApplyDelta();
  f.compiler->DeletePod("x/a");
  f.ApplyDelta();
  f.compiler->DeletePolicy("x/pa");
  f.ApplyDelta();
  SyncResult last = f.ApplyDelta();  // nothing pending: nothing written
  CHECK(last.plans[0].empty());
  CHECK(last.ipset_commands == 0);
  f.compiler->DeletePolicy("x/pc");
  f.compiler->DeletePolicy("x/pb");
  f.ApplyDelta();
  CHECK(f.compiler->counts().sets == 0);
  CHECK(f.compiler->counts().chains == 2);  // KR-POL-FORWARD, KR-POL-INPUT
}

}  // namespace
}  // namespace kr::policyd
