#include "common/ipset/ipset_sync_plan.h"

#include <catch2/catch.hpp>

#include "common/ipset/fake_ipset_client.h"

namespace kr::ipset {
namespace {

const SetSpec kPods{"KR-pods", SetType::kHashIp, Family::kInet};
const SetSpec kNets{"KR-nets", SetType::kHashNet, Family::kInet6};

std::vector<SetContent> Listed(FakeIpsetClient& ipset) {
  auto listed = ipset.List("");
  REQUIRE(listed.ok());
  return *listed;
}

// Plans against the fake's state, applies both phases, and returns the plan.
IpsetSyncPlan Converge(FakeIpsetClient& ipset, const std::vector<SetContent>& desired,
                       IpsetSyncOptions options = {}) {
  IpsetSyncPlan plan = PlanIpsetSync(desired, Listed(ipset), "KR-", options);
  REQUIRE(ipset.Restore(plan.before_rules).ok());
  REQUIRE(ipset.Restore(plan.after_rules).ok());
  return plan;
}

TEST_CASE("ipset_sync_plan: creates, then touches only differing members, then nothing") {
  FakeIpsetClient ipset;
  std::vector<SetContent> desired{{kPods, {"192.0.2.1", "192.0.2.2"}}, {kNets, {"2001:db8::/64"}}};
  IpsetSyncPlan first = Converge(ipset, desired);
  CHECK(first.before_rules.size() == 5);
  CHECK(Listed(ipset) == std::vector<SetContent>{desired[1], desired[0]});

  desired[0].members = {"192.0.2.2", "192.0.2.3"};
  IpsetSyncPlan second = Converge(ipset, desired);
  CHECK(second.before_rules.ToRestoreText() ==
        "del KR-pods 192.0.2.1\n"
        "add KR-pods 192.0.2.3\n");
  CHECK(second.after_rules.empty());

  CHECK(PlanIpsetSync(desired, Listed(ipset), "KR-").empty());
}

TEST_CASE("ipset_sync_plan: stale owned sets are destroyed after rules, foreign sets stay") {
  FakeIpsetClient ipset;
  REQUIRE(ipset.Create({"foreign", SetType::kHashIp, Family::kInet}).ok());
  REQUIRE(ipset.Create({"KR-stale", SetType::kHashIp, Family::kInet}).ok());
  IpsetSyncPlan plan = PlanIpsetSync({{kPods, {}}}, Listed(ipset), "KR-");
  CHECK(plan.before_rules.ToRestoreText() == "create KR-pods hash:ip family inet\n");
  CHECK(plan.after_rules.ToRestoreText() == "destroy KR-stale\n");
}

TEST_CASE("ipset_sync_plan: atomic replacement fills a temporary set and swaps it in") {
  FakeIpsetClient ipset;
  Converge(ipset, {{kPods, {"192.0.2.1"}}});
  REQUIRE(ipset.AddReference("KR-pods").ok());
  std::vector<SetContent> desired{{kPods, {"192.0.2.7", "192.0.2.8"}}};
  IpsetSyncPlan plan = Converge(ipset, desired, {.atomic_replace = true});
  CHECK(plan.before_rules.ToRestoreText() ==
        "create KR-pods-TMP hash:ip family inet\n"
        "add KR-pods-TMP 192.0.2.7\n"
        "add KR-pods-TMP 192.0.2.8\n"
        "swap KR-pods KR-pods-TMP\n"
        "destroy KR-pods-TMP\n");
  CHECK(Listed(ipset) == desired);
}

TEST_CASE("ipset_sync_plan: a type change recreates the set") {
  FakeIpsetClient ipset;
  Converge(ipset, {{kPods, {"192.0.2.1"}}});
  SetSpec as_net{"KR-pods", SetType::kHashNet, Family::kInet};
  std::vector<SetContent> desired{{as_net, {"192.0.2.0/24"}}};
  Converge(ipset, desired);
  CHECK(Listed(ipset) == desired);
}

TEST_CASE("ipset_sync_plan: largest_first creates the biggest sets first") {
  FakeIpsetClient ipset;
  const SetSpec small{"KR-a", SetType::kHashIp, Family::kInet};
  const SetSpec big{"KR-b", SetType::kHashIp, Family::kInet};
  std::vector<SetContent> desired{{small, {"192.0.2.1"}}, {big, {"192.0.2.2", "192.0.2.3"}}};
  IpsetSyncOptions options;
  options.largest_first = true;
  IpsetSyncPlan plan = Converge(ipset, desired, options);
  REQUIRE(plan.before_rules.size() == 5);
  CHECK(plan.before_rules.ops()[0].kind == IpsetOp::Kind::kCreate);
  CHECK(plan.before_rules.ops()[0].spec == big);
  CHECK(plan.before_rules.ops()[3].spec == small);
  CHECK(Listed(ipset) == std::vector<SetContent>{desired[0], desired[1]});
  CHECK(Converge(ipset, desired, options).empty());
}

TEST_CASE("ipset_sync_plan: temporary names keep the prefix and fit the kernel limit") {
  CHECK(TemporarySetName("KR-a") == "KR-a-TMP");
  std::string long_name = "KR-" + std::string(28, 'x');
  CHECK(TemporarySetName(long_name).size() == kMaxSetNameLength);
  CHECK(TemporarySetName(long_name).rfind("KR-", 0) == 0);
}

}  // namespace
}  // namespace kr::ipset
