// The syncer against FakeIptablesRunner: convergence, idempotence, coexistence and errors,
// with no kernel. The same scenarios run against both real backends in
// xtables_privileged_test.cpp.
#include "common/iptables/owned_chain_syncer.h"

#include <catch2/catch.hpp>

#include "common/iptables/fake_iptables_runner.h"

namespace kr::iptables {
namespace {

const Owner kOwner{"KR-FW-", "kr-node:fw-test:"};

DesiredRules Desired() {
  DesiredRules desired;
  desired["filter"].chains["KR-FW-IN"] = {"-s 192.0.2.0/24 -j DROP", "-j KR-FW-LOG"};
  desired["filter"].chains["KR-FW-LOG"] = {R"(-j LOG --log-prefix "kr drop: ")"};
  desired["filter"].jumps.push_back({"INPUT", MakeJumpRule(kOwner, "input", "", "KR-FW-IN")});
  desired["nat"].chains["KR-FW-SNAT"] = {"-s 10.244.0.0/16 ! -d 10.244.0.0/16 -j MASQUERADE"};
  desired["nat"].jumps.push_back(
      {"POSTROUTING", MakeJumpRule(kOwner, "snat", "", "KR-FW-SNAT"), JumpRule::Position::kLast});
  return desired;
}

void PlantForeignRules(FakeIptablesRunner& fake) {
  Table& filter = *fake.rules(IpFamily::kIPv4).FindTable("filter");
  filter.chains.push_back(Chain{"OTHER", false, {"-j ACCEPT"}});
  filter.FindChain("INPUT")->rules.push_back("-j OTHER");
  fake.rules(IpFamily::kIPv4)
      .FindTable("nat")
      ->FindChain("POSTROUTING")
      ->rules.push_back("-o eth1 -j MASQUERADE");
}

TEST_CASE("iptables_owned_chain_syncer: converges, then does nothing") {
  FakeIptablesRunner fake;
  PlantForeignRules(fake);
  const Ruleset foreign = fake.rules(IpFamily::kIPv4);
  OwnedChainSyncer syncer(fake, IpFamily::kIPv4, kOwner);

  auto first = syncer.Sync(Desired());
  REQUIRE(first.ok());
  CHECK(first->created_chains.size() == 3);
  CHECK(fake.restore_calls() == 1);
  const Table& filter = *fake.rules(IpFamily::kIPv4).FindTable("filter");
  CHECK(filter.FindChain("INPUT")->rules ==
        std::vector<std::string>{"-m comment --comment kr-node:fw-test:input -j KR-FW-IN",
                                 "-j OTHER"});
  CHECK(fake.rules(IpFamily::kIPv4).FindTable("nat")->FindChain("POSTROUTING")->rules.back() ==
        "-m comment --comment kr-node:fw-test:snat -j KR-FW-SNAT");

  auto second = syncer.Sync(Desired());
  REQUIRE(second.ok());
  CHECK(second->empty());
  CHECK(fake.restore_calls() == 1);

  // The IPv6 tables were never touched.
  CHECK(fake.rules(IpFamily::kIPv6).FindTable("filter")->chains.size() == 3);

  auto cleanup = syncer.Cleanup();
  REQUIRE(cleanup.ok());
  CHECK(cleanup->deleted_chains.size() == 3);
  CHECK(fake.rules(IpFamily::kIPv4) == foreign);
}

TEST_CASE("iptables_owned_chain_syncer: changing one chain rewrites only that chain") {
  FakeIptablesRunner fake;
  OwnedChainSyncer syncer(fake, IpFamily::kIPv4, kOwner);
  REQUIRE(syncer.Sync(Desired()).ok());
  DesiredRules changed = Desired();
  changed["filter"].chains["KR-FW-IN"][0] = "-s 198.51.100.0/24 -j DROP";
  auto plan = syncer.Sync(changed);
  REQUIRE(plan.ok());
  CHECK(plan->rewritten_chains == std::vector<std::string>{"filter/KR-FW-IN"});
  CHECK(plan->jump_rules_added == 0);
  CHECK(syncer.Sync(changed)->empty());
}

TEST_CASE("iptables_owned_chain_syncer: dry run plans without applying") {
  FakeIptablesRunner fake;
  OwnedChainSyncer syncer(fake, IpFamily::kIPv6, kOwner);
  auto plan = syncer.Sync(Desired(), {.dry_run = true});
  REQUIRE(plan.ok());
  CHECK_FALSE(plan->empty());
  CHECK(fake.restore_calls() == 0);
  CHECK(fake.rules(IpFamily::kIPv6).FindTable("filter")->FindChain("KR-FW-IN") == nullptr);
}

TEST_CASE("iptables_owned_chain_syncer: a refused payload is an error naming its line") {
  FakeIptablesRunner fake;
  OwnedChainSyncer syncer(fake, IpFamily::kIPv4, kOwner);
  DesiredRules broken;
  broken["filter"].chains["KR-FW-A"] = {"-j ACCEPT", "-j KR-FW-MISSING"};
  auto plan = syncer.Sync(broken);
  REQUIRE_FALSE(plan.ok());
  CHECK(plan.error().code == EINVAL);
  CHECK(plan.error().message.find("at line 4 (-A KR-FW-A -j KR-FW-MISSING)") != std::string::npos);
  // The whole table transaction was refused.
  CHECK(fake.rules(IpFamily::kIPv4).FindTable("filter")->FindChain("KR-FW-A") == nullptr);
}

TEST_CASE("iptables_owned_chain_syncer: trusting the last-known state skips iptables-save") {
  FakeIptablesRunner runner;
  OwnedChainSyncer syncer(runner, IpFamily::kIPv4, kOwner);
  const SyncOptions trusting{.trust_last_known = true};

  REQUIRE(syncer.Sync(Desired(), trusting).ok());  // nothing known yet: reads the kernel
  CHECK(runner.save_calls() == 1);
  DesiredRules changed = Desired();
  changed["filter"].chains["KR-FW-IN"][0] = "-s 198.51.100.0/24 -j DROP";
  changed["filter"].chains["KR-FW-NEW"] = {"-j RETURN"};
  changed["nat"].chains.erase("KR-FW-SNAT");
  changed["nat"].jumps.clear();
  auto plan = syncer.Sync(changed, trusting);
  REQUIRE(plan.ok());
  CHECK(runner.save_calls() == 1);
  CHECK(plan->rewritten_chains == std::vector<std::string>{"filter/KR-FW-IN"});
  CHECK(plan->created_chains == std::vector<std::string>{"filter/KR-FW-NEW"});
  CHECK(plan->deleted_chains == std::vector<std::string>{"nat/KR-FW-SNAT"});
  // The replayed state matches the kernel: trusting it and reading the kernel agree.
  CHECK(syncer.Sync(changed, trusting)->empty());
  CHECK(syncer.Sync(changed)->empty());
  CHECK(runner.save_calls() == 2);

  // Drift made by someone else is invisible to a trusting sync, repaired by a full one.
  runner.rules(IpFamily::kIPv4).FindTable("filter")->FindChain("KR-FW-IN")->rules.clear();
  CHECK(syncer.Sync(changed, trusting)->empty());
  CHECK(syncer.Sync(changed)->rewritten_chains == std::vector<std::string>{"filter/KR-FW-IN"});
}

}  // namespace
}  // namespace kr::iptables
