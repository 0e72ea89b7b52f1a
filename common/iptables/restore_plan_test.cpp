#include "common/iptables/restore_plan.h"

#include <catch2/catch.hpp>

namespace kr::iptables {
namespace {

const Owner kOwner{"KR-POL-", "kr-node:policyd:"};

Ruleset Parse(std::string_view text) {
  auto parsed = ParseIptablesSave(text);
  REQUIRE(parsed.ok());
  return *parsed;
}

RestorePlan Plan(const DesiredRules& desired, const Ruleset& observed,
                 PlanMode mode = PlanMode::kChangedOnly) {
  auto plan = PlanRestore(kOwner, desired, observed, mode);
  REQUIRE(plan.ok());
  return *plan;
}

DesiredRules TwoChains() {
  DesiredRules desired;
  DesiredTable& filter = desired["filter"];
  filter.chains["KR-POL-A"] = {"-s 192.0.2.1/32 -j DROP", "-j RETURN"};
  filter.chains["KR-POL-B"] = {R"(-m comment --comment "allow \"web\"" -p tcp -j ACCEPT)"};
  filter.jumps.push_back({"FORWARD", MakeJumpRule(kOwner, "fwd", "", "KR-POL-A")});
  filter.jumps.push_back({"INPUT", MakeJumpRule(kOwner, "in", "-i eth0", "KR-POL-B")});
  return desired;
}

// Another owner's chain and rules around ours.
constexpr std::string_view kForeignOnly = R"(*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:FOREIGN - [0:0]
-A INPUT -j FOREIGN
-A FORWARD -m comment --comment "other:thing" -j ACCEPT
COMMIT
)";

// What the kernel holds after TwoChains() was applied on top of kForeignOnly.
constexpr std::string_view kSynced = R"(*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:FOREIGN - [0:0]
:KR-POL-A - [0:0]
:KR-POL-B - [0:0]
-A INPUT -i eth0 -m comment --comment "kr-node:policyd:in" -j KR-POL-B
-A INPUT -j FOREIGN
-A FORWARD -m comment --comment "kr-node:policyd:fwd" -j KR-POL-A
-A FORWARD -m comment --comment "other:thing" -j ACCEPT
-A KR-POL-A -s 192.0.2.1/32 -j DROP
-A KR-POL-A -j RETURN
-A KR-POL-B -m comment --comment "allow \"web\"" -p tcp -j ACCEPT
COMMIT
)";

TEST_CASE("iptables_restore_plan: first sync declares, fills and hooks the owned chains") {
  RestorePlan plan = Plan(TwoChains(), Parse(kForeignOnly));
  CHECK(plan.payload == R"(*filter
:KR-POL-A - [0:0]
:KR-POL-B - [0:0]
-A KR-POL-A -s 192.0.2.1/32 -j DROP
-A KR-POL-A -j RETURN
-A KR-POL-B -m comment --comment "allow \"web\"" -p tcp -j ACCEPT
-I FORWARD 1 -m comment --comment kr-node:policyd:fwd -j KR-POL-A
-I INPUT 1 -i eth0 -m comment --comment kr-node:policyd:in -j KR-POL-B
COMMIT
)");
  CHECK(plan.created_chains == std::vector<std::string>{"filter/KR-POL-A", "filter/KR-POL-B"});
  CHECK(plan.jump_rules_added == 2);
  CHECK(plan.rules_written == 5);
}

TEST_CASE("iptables_restore_plan: nothing to do when the kernel matches") {
  RestorePlan plan = Plan(TwoChains(), Parse(kSynced));
  CHECK(plan.empty());
  CHECK(plan.rules_written == 0);
}

TEST_CASE("iptables_restore_plan: a changed chain is the only one rewritten") {
  DesiredRules desired = TwoChains();
  desired["filter"].chains["KR-POL-A"] = {"-s 192.0.2.2/32 -j DROP"};
  RestorePlan plan = Plan(desired, Parse(kSynced));
  CHECK(plan.payload == R"(*filter
:KR-POL-A - [0:0]
-A KR-POL-A -s 192.0.2.2/32 -j DROP
COMMIT
)");
  CHECK(plan.rewritten_chains == std::vector<std::string>{"filter/KR-POL-A"});
  CHECK(plan.created_chains.empty());
}

TEST_CASE("iptables_restore_plan: rewrite-all mode rewrites every owned chain and jump") {
  RestorePlan plan = Plan(TwoChains(), Parse(kSynced), PlanMode::kRewriteAll);
  CHECK(plan.rewritten_chains.size() == 2);
  CHECK(plan.jump_rules_removed == 2);
  CHECK(plan.jump_rules_added == 2);
  CHECK(plan.payload.find("FOREIGN") == std::string::npos);
  CHECK(plan.payload.find("other:thing") == std::string::npos);
}

TEST_CASE("iptables_restore_plan: stale chains and jumps go, foreign ones stay") {
  DesiredRules desired;
  desired["filter"].chains["KR-POL-B"] = {
      R"(-m comment --comment "allow \"web\"" -p tcp -j ACCEPT)"};
  desired["filter"].jumps.push_back({"INPUT", MakeJumpRule(kOwner, "in", "-i eth0", "KR-POL-B")});
  RestorePlan plan = Plan(desired, Parse(kSynced));
  CHECK(plan.payload == R"(*filter
:KR-POL-A - [0:0]
-D FORWARD -m comment --comment kr-node:policyd:fwd -j KR-POL-A
-X KR-POL-A
COMMIT
)");
  CHECK(plan.deleted_chains == std::vector<std::string>{"filter/KR-POL-A"});
  CHECK(plan.jump_rules_removed == 1);
}

TEST_CASE("iptables_restore_plan: cleanup removes only what the owner has, in every table") {
  Ruleset observed = Parse(std::string(kSynced) + R"(*nat
:PREROUTING ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KR-POL-SNAT - [0:0]
-A POSTROUTING -m comment --comment "kr-node:policyd:snat" -j KR-POL-SNAT
-A POSTROUTING -j MASQUERADE
-A KR-POL-SNAT -j MASQUERADE
COMMIT
)");
  auto plan = PlanCleanup(kOwner, observed);
  REQUIRE(plan.ok());
  CHECK(plan->deleted_chains ==
        std::vector<std::string>{"filter/KR-POL-A", "filter/KR-POL-B", "nat/KR-POL-SNAT"});
  CHECK(plan->jump_rules_removed == 3);
  CHECK(plan->payload.find("FOREIGN") == std::string::npos);
  CHECK(plan->payload.find("\n-A ") == std::string::npos);
  CHECK(plan->payload.find("\n-I ") == std::string::npos);
  CHECK(PlanCleanup(kOwner, Parse(kForeignOnly))->empty());
}

TEST_CASE("iptables_restore_plan: jump blocks keep their place and order") {
  DesiredRules desired = TwoChains();
  desired["filter"].jumps.push_back({"INPUT", MakeJumpRule(kOwner, "in2", "", "KR-POL-A")});
  desired["filter"].jumps.push_back(
      {"INPUT", MakeJumpRule(kOwner, "tail", "", "KR-POL-A"), JumpRule::Position::kLast});
  RestorePlan plan = Plan(desired, Parse(kSynced));
  // The whole INPUT block is re-placed: removed, then inserted at the top in order, and the
  // kLast rule appended.
  CHECK(plan.payload == R"(*filter
-D INPUT -i eth0 -m comment --comment kr-node:policyd:in -j KR-POL-B
-I INPUT 1 -m comment --comment kr-node:policyd:in2 -j KR-POL-A
-I INPUT 1 -i eth0 -m comment --comment kr-node:policyd:in -j KR-POL-B
-A INPUT -m comment --comment kr-node:policyd:tail -j KR-POL-A
COMMIT
)");

  // Someone inserted a rule above our block: we move back to the top.
  Ruleset pushed_down = Parse(kSynced);
  auto& input = pushed_down.FindTable("filter")->FindChain("INPUT")->rules;
  input.insert(input.begin(), "-j ACCEPT");
  RestorePlan repair = Plan(TwoChains(), pushed_down);
  CHECK(repair.jump_rules_removed == 1);
  CHECK(repair.jump_rules_added == 1);
}

TEST_CASE("iptables_restore_plan: invalid desired rules are refused") {
  DesiredRules foreign_name;
  foreign_name["filter"].chains["OTHER"] = {};
  CHECK(PlanRestore(kOwner, foreign_name, {}).error().code == EINVAL);

  DesiredRules long_name;
  long_name["filter"].chains["KR-POL-" + std::string(30, 'x')] = {};
  CHECK(PlanRestore(kOwner, long_name, {}).error().code == EINVAL);

  DesiredRules uncommented_jump;
  uncommented_jump["filter"].jumps.push_back({"INPUT", "-j KR-POL-A"});
  CHECK(PlanRestore(kOwner, uncommented_jump, {}).error().code == EINVAL);

  DesiredRules jump_in_own_chain;
  jump_in_own_chain["filter"].jumps.push_back(
      {"KR-POL-A", MakeJumpRule(kOwner, "x", "", "KR-POL-B")});
  CHECK(PlanRestore(kOwner, jump_in_own_chain, {}).error().code == EINVAL);

  DesiredRules bad_quote;
  bad_quote["filter"].chains["KR-POL-A"] = {R"(--comment "open)"};
  CHECK(PlanRestore(kOwner, bad_quote, {}).error().code == EINVAL);
}

}  // namespace
}  // namespace kr::iptables
