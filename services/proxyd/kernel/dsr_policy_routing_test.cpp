// DsrPolicyRouting against in-memory rules and routes that answer like the kernel.
#include "services/proxyd/kernel/dsr_policy_routing.h"

#include <catch2/catch.hpp>
#include <set>

namespace kr::proxyd {
namespace {

bool OurMark(uint32_t mark) {
  return (mark & ~0x3FFFu) == 0x01000000;
}

class MemoryRules final : public route::RuleKernel {
 public:
  Status AddRule(const route::Rule& rule) override {
    ++writes;
    if (!rules.insert(rule).second) return Error{EEXIST, "exists"};
    return Status::Ok();
  }
  Status DeleteRule(const route::Rule& rule) override {
    ++writes;
    if (rules.erase(rule) == 0) return Error{ENOENT, "no such rule"};
    return Status::Ok();
  }
  Expected<std::vector<route::Rule>> DumpRules(int family) override {
    ++dumps;
    std::vector<route::Rule> out;
    for (const auto& rule : rules) {
      if (rule.family == family) out.push_back(rule);
    }
    return out;
  }
  std::set<route::Rule> rules;
  int writes = 0, dumps = 0;
};

class MemoryRoutes final : public LocalDefaultRoutes {
 public:
  Status Ensure(int family, uint32_t table) override {
    present.insert({family, table});
    return Status::Ok();
  }
  Status Remove(int family, uint32_t table) override {
    present.erase({family, table});
    return Status::Ok();
  }
  std::set<std::pair<int, uint32_t>> present;
};

route::Rule Rule(int family, uint32_t mark, uint32_t priority = kDsrRulePriority,
                 uint32_t table = kDsrRouteTable) {
  route::Rule rule;
  rule.family = family;
  rule.priority = priority;
  rule.table = table;
  rule.fwmark = mark;
  rule.fwmask = route::kExactFwmarkMask;
  return rule;
}

TEST_CASE("DSR marks become rules to table 78 with its local route, and go again") {
  MemoryRules rules;
  MemoryRoutes routes;
  // Not ours: another table, another mark range, another selector.
  const route::Rule foreign_table = Rule(AF_INET, 0x01000001, kDsrRulePriority, 100);
  const route::Rule foreign_mark = Rule(AF_INET, 0x4000);
  route::Rule foreign_selector = Rule(AF_INET, 0x01000002);
  foreign_selector.other_selectors = true;
  rules.rules = {foreign_table, foreign_mark, foreign_selector};
  // Left by an earlier run, no longer wanted.
  rules.rules.insert(Rule(AF_INET, 0x01000003));

  DsrPolicyRouting routing(rules, routes, {.owns_mark = OurMark});
  REQUIRE(routing.Sync({{AF_INET, 0x01000010}, {AF_INET6, 0x01000011}}, true).ok());
  CHECK(rules.rules == std::set<route::Rule>{foreign_table, foreign_mark, foreign_selector,
                                             Rule(AF_INET, 0x01000010),
                                             Rule(AF_INET6, 0x01000011)});
  CHECK(routes.present == std::set<std::pair<int, uint32_t>>{{AF_INET, 78}, {AF_INET6, 78}});

  // Unchanged and not full: nothing read or written.
  const int writes = rules.writes, dumps = rules.dumps;
  REQUIRE(routing.Sync({{AF_INET, 0x01000010}, {AF_INET6, 0x01000011}}, false).ok());
  CHECK(rules.writes == writes);
  CHECK(rules.dumps == dumps);

  // The IPv6 mark goes: its rule and, with no IPv6 mark left, the IPv6 table route.
  REQUIRE(routing.Sync({{AF_INET, 0x01000010}}, false).ok());
  CHECK_FALSE(rules.rules.contains(Rule(AF_INET6, 0x01000011)));
  CHECK(routes.present == std::set<std::pair<int, uint32_t>>{{AF_INET, 78}});

  // Drift: a full sync puts back a rule someone deleted.
  rules.rules.erase(Rule(AF_INET, 0x01000010));
  REQUIRE(routing.Sync({{AF_INET, 0x01000010}}, true).ok());
  CHECK(rules.rules.contains(Rule(AF_INET, 0x01000010)));

  REQUIRE(routing.Cleanup().ok());
  CHECK(rules.rules == std::set<route::Rule>{foreign_table, foreign_mark, foreign_selector});
  CHECK(routes.present.empty());
}

TEST_CASE("dry-run DSR routing writes nothing") {
  MemoryRules rules;
  MemoryRoutes routes;
  DsrPolicyRouting routing(rules, routes, {.owns_mark = OurMark, .dry_run = true});
  REQUIRE(routing.Sync({{AF_INET, 0x01000010}}, true).ok());
  CHECK(rules.rules.empty());
  CHECK(routes.present.empty());
}

}  // namespace
}  // namespace kr::proxyd
