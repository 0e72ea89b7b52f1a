// The controller against the kernel-like fakes: events between full syncs are written as
// deltas (no iptables-save, only the changed chains), a delta that the kernel refuses (drift
// made by someone else) makes the next sync a full one that repairs it, and every state the
// deltas leave is what a full sync wants.
#include "services/policyd/controller/policy_controller.h"

#include <catch2/catch.hpp>

#include "common/ipset/fake_ipset_client.h"
#include "common/iptables/fake_iptables_runner.h"
#include "services/policyd/core/names.h"
#include "services/policyd/core/rule_compiler.h"
#include "services/policyd/core/test_objects.h"

namespace kr::policyd {
namespace {

using namespace testing;

struct Fixture {
  Fixture() : controller(Options(), iptables, ipset, nullptr) {
    controller.UpsertNamespace(MakeNamespace("x"));
    controller.UpsertPod(MakePod("x", "a", {{"app", "a"}}, "198.51.100.11"));
    controller.UpsertPolicy(MakePolicy("x", "deny", Labels({{"app", "a"}}), {"Ingress"}));
    controller.MarkInSync();
    REQUIRE(Sync(SyncKind::kFull).ok());
  }

  static CompilerOptions Options() {
    CompilerOptions options;
    options.node_name = "node-1";
    options.ipv6 = false;
    return options;
  }

  Status Sync(SyncKind kind) { return controller.Sync(kind, stop.token()); }

  // What a full sync from scratch of the same view would leave, against the fake's state.
  bool KernelHoldsFullState(const ClusterState& state) {
    FirewallSyncer check(iptables, ipset, Options());
    auto result = check.Sync(CompileAll(state, Options()), true);
    REQUIRE(result.ok());
    return result->plans[0].empty() && result->ipset_commands == 0;
  }

  iptables::Chain* Chain(const std::string& name) {
    return iptables.rules(iptables::IpFamily::kIPv4).FindTable("filter")->FindChain(name);
  }

  iptables::FakeIptablesRunner iptables;
  ipset::FakeIpsetClient ipset;
  PolicyController controller;
  StopSource stop;
};

TEST_CASE("policyd_controller: events are written as deltas, without reading the kernel") {
  Fixture f;
  const int saves = f.iptables.save_calls();
  const int restores = f.iptables.restore_calls();
  f.controller.UpsertPod(MakePod("x", "b", {{"app", "a"}}, "198.51.100.12"));
  REQUIRE(f.Sync(SyncKind::kIncremental).ok());
  CHECK(f.iptables.save_calls() == saves);  // a delta: nothing read
  CHECK(f.iptables.restore_calls() == restores + 1);
  REQUIRE(f.Chain(PodIngressChain("x/b")) != nullptr);

  ClusterState state;
  state.namespaces["x"] = MakeNamespace("x");
  for (auto pod : {MakePod("x", "a", {{"app", "a"}}, "198.51.100.11"),
                   MakePod("x", "b", {{"app", "a"}}, "198.51.100.12")}) {
    state.pods[pod.Key()] = pod;
  }
  auto policy = MakePolicy("x", "deny", Labels({{"app", "a"}}), {"Ingress"});
  state.policies[policy.Key()] = policy;
  CHECK(f.KernelHoldsFullState(state));

  // Nothing pending: an incremental sync writes nothing.
  REQUIRE(f.Sync(SyncKind::kIncremental).ok());
  CHECK(f.iptables.restore_calls() == restores + 1);
}

TEST_CASE("policyd_controller: a refused delta is followed by a full sync that repairs") {
  Fixture f;
  // Someone else empties policyd's top-level chain: the next delta's insert position is gone.
  f.Chain("KR-POL-FORWARD")->rules.clear();
  f.controller.UpsertPod(MakePod("x", "b", {{"app", "a"}}, "198.51.100.12"));
  Status refused = f.Sync(SyncKind::kIncremental);
  CHECK_FALSE(refused.ok());

  const int saves = f.iptables.save_calls();
  REQUIRE(f.Sync(SyncKind::kIncremental).ok());  // no new event: still a full write
  CHECK(f.iptables.save_calls() > saves);
  REQUIRE(f.Chain("KR-POL-FORWARD") != nullptr);
  CHECK(f.Chain("KR-POL-FORWARD")->rules.size() == 3);  // established + x/a + x/b
  REQUIRE(f.Chain(PodIngressChain("x/b")) != nullptr);

  // And deltas again after that.
  const int after = f.iptables.save_calls();
  f.controller.DeletePod("x/b");
  REQUIRE(f.Sync(SyncKind::kIncremental).ok());
  CHECK(f.iptables.save_calls() == after);
  CHECK(f.Chain(PodIngressChain("x/b")) == nullptr);
  CHECK(f.Chain("KR-POL-FORWARD")->rules.size() == 2);
}

}  // namespace
}  // namespace kr::policyd
