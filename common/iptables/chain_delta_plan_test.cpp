#include "common/iptables/chain_delta_plan.h"

#include <catch2/catch.hpp>

#include "common/iptables/restore_interpreter.h"

namespace kr::iptables {
namespace {

const Owner kOwner{"KR-POL-", "kr-node:policyd:"};

RestorePlan Plan(const std::vector<ChainChange>& changes) {
  auto plan = PlanChainChanges(kOwner, changes);
  REQUIRE(plan.ok());
  return *plan;
}

std::vector<std::string> Rules(int first, int last) {
  std::vector<std::string> rules;
  for (int i = first; i <= last; ++i)
    rules.push_back("-s 192.0.2." + std::to_string(i) + "/32 -j RETURN");
  return rules;
}

// The chain's rules after `payload` ran on a kernel holding `before` (checked like the kernel).
std::vector<std::string> Replay(const std::vector<std::string>& before,
                                const std::string& payload) {
  Ruleset ruleset;
  Table filter{"filter", {{"FORWARD", true, {}}, {"KR-POL-C", false, before}}};
  ruleset.tables.push_back(filter);
  Status applied =
      ApplyRestorePayload(ruleset, payload, "iptables-restore", RestoreChecks::kLikeKernel);
  INFO(payload);
  REQUIRE(applied.ok());
  const Chain* chain = ruleset.tables[0].FindChain("KR-POL-C");
  REQUIRE(chain != nullptr);
  return chain->rules;
}

TEST_CASE("iptables_chain_delta_plan: one rule added in the middle is one insert") {
  auto before = Rules(1, 100);
  auto after = before;
  after.insert(after.begin() + 40, "-s 192.0.2.200/32 -j DROP");
  RestorePlan plan = Plan({{"filter", "KR-POL-C", before, after}});
  CHECK(plan.payload == "*filter\n-I KR-POL-C 41 -s 192.0.2.200/32 -j DROP\nCOMMIT\n");
  CHECK(plan.rules_written == 1);
  CHECK(Replay(before, plan.payload) == after);
}

TEST_CASE("iptables_chain_delta_plan: removed and replaced rules are deleted by number") {
  auto before = Rules(1, 50);
  auto after = before;
  after.erase(after.begin() + 10, after.begin() + 12);
  after.insert(after.begin() + 10, "-j DROP");
  RestorePlan plan = Plan({{"filter", "KR-POL-C", before, after}});
  CHECK(plan.payload.find(":KR-POL-C") == std::string::npos);  // not rewritten
  CHECK(plan.rules_written == 1);
  CHECK(Replay(before, plan.payload) == after);
}

TEST_CASE("iptables_chain_delta_plan: a chain mostly changed is flushed and rewritten") {
  auto before = Rules(1, 4);
  auto after = Rules(5, 8);
  RestorePlan plan = Plan({{"filter", "KR-POL-C", before, after}});
  CHECK(plan.payload.find(":KR-POL-C - [0:0]\n") != std::string::npos);
  CHECK(plan.rules_written == 4);
  CHECK(Replay(before, plan.payload) == after);
  CHECK(Replay(before, Plan({{"filter", "KR-POL-C", before, std::vector<std::string>{}}}).payload)
            .empty());
}

TEST_CASE("iptables_chain_delta_plan: unchanged chains write nothing") {
  auto rules = Rules(1, 3);
  CHECK(Plan({{"filter", "KR-POL-C", rules, rules}}).empty());
  CHECK(Plan({{"filter", "KR-POL-C", std::nullopt, std::nullopt}}).empty());
}

TEST_CASE("iptables_chain_delta_plan: new chains are declared first, deleted ones removed last") {
  Ruleset ruleset;
  ruleset.tables.push_back(Table{"filter",
                                 {{"FORWARD", true, {}},
                                  {"KR-POL-TOP", false, {"-j KR-POL-OLD"}},
                                  {"KR-POL-OLD", false, {"-j RETURN"}}}});
  RestorePlan plan =
      Plan({{"filter", "KR-POL-OLD", std::vector<std::string>{"-j RETURN"}, std::nullopt},
            {"filter", "KR-POL-NEW", std::nullopt, std::vector<std::string>{"-j RETURN"}},
            {"filter", "KR-POL-TOP", std::vector<std::string>{"-j KR-POL-OLD"},
             std::vector<std::string>{"-j KR-POL-NEW"}}});
  CHECK(plan.created_chains == std::vector<std::string>{"filter/KR-POL-NEW"});
  CHECK(plan.deleted_chains == std::vector<std::string>{"filter/KR-POL-OLD"});
  Status applied =
      ApplyRestorePayload(ruleset, plan.payload, "iptables-restore", RestoreChecks::kLikeKernel);
  INFO(plan.payload);
  REQUIRE(applied.ok());
  CHECK(ruleset.tables[0].FindChain("KR-POL-OLD") == nullptr);
  REQUIRE(ruleset.tables[0].FindChain("KR-POL-TOP") != nullptr);
  CHECK(ruleset.tables[0].FindChain("KR-POL-TOP")->rules ==
        std::vector<std::string>{"-j KR-POL-NEW"});
}

TEST_CASE("iptables_chain_delta_plan: chains outside the owner's prefix are refused") {
  auto plan = PlanChainChanges(
      kOwner, {{"filter", "FORWARD", std::nullopt, std::vector<std::string>{"-j ACCEPT"}}});
  REQUIRE_FALSE(plan.ok());
  CHECK(plan.error().code == EINVAL);
}

}  // namespace
}  // namespace kr::iptables
