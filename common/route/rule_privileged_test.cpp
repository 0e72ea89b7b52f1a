// NetlinkRuleKernel against the real kernel, in a fresh network namespace (privileged tier):
// rules written are what `ip rule` shows, dumps see them and others' rules, deletes are exact.
#include <catch2/catch.hpp>
#include <string>

#include "common/route/rule_kernel.h"
#include "test/support/netns.h"

namespace kr::route {
namespace {

using test::NetNs;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

Rule MarkRule(int family, uint32_t mark) {
  Rule rule;
  rule.family = family;
  rule.priority = 32764;
  rule.table = 78;
  rule.fwmark = mark;
  rule.fwmask = kExactFwmarkMask;
  return rule;
}

TEST_CASE("rules are added, dumped and deleted exactly, in both families") {
  NetNs ns("rules");
  // Someone else's rule at the same priority and table, with another selector.
  ns.ExecOrThrow({"ip", "rule", "add", "prio", "32764", "from", "192.0.2.0/24", "table", "78"});
  ns.Run([] {
    auto kernel = NetlinkRuleKernel::Create();
    REQUIRE(kernel);
    for (int family : {AF_INET, AF_INET6}) {
      INFO("family " << family);
      const Rule rule = MarkRule(family, 0x01000005);
      REQUIRE(kernel->AddRule(rule).ok());
      CHECK(kernel->AddRule(rule).error().code == EEXIST);
      auto rules = kernel->DumpRules(family);
      REQUIRE(rules);
      int ours = 0, defaults = 0, foreign = 0;
      for (const Rule& seen : *rules) {
        if (seen == rule) ++ours;
        if (seen.table == RT_TABLE_MAIN && !seen.other_selectors) ++defaults;
        if (seen.table == 78 && seen.other_selectors) ++foreign;
      }
      CHECK(ours == 1);
      CHECK(defaults == 1);  // the kernel's "from all lookup main"
      CHECK(foreign == (family == AF_INET ? 1 : 0));
    }
  });
  CHECK(Contains(ns.ExecOrThrow({"ip", "rule"}), "32764:\tfrom all fwmark 0x1000005 lookup 78"));
  CHECK(Contains(ns.ExecOrThrow({"ip", "-6", "rule"}), "from all fwmark 0x1000005 lookup 78"));
  ns.Run([] {
    auto kernel = NetlinkRuleKernel::Create();
    REQUIRE(kernel);
    // Another mark is not ours to delete; the exact one is.
    CHECK(kernel->DeleteRule(MarkRule(AF_INET, 0x01000006)).error().code == ENOENT);
    CHECK(kernel->DeleteRule(MarkRule(AF_INET, 0x01000005)).ok());
    CHECK(kernel->DeleteRule(MarkRule(AF_INET6, 0x01000005)).ok());
  });
  const std::string left = ns.ExecOrThrow({"ip", "rule"});
  INFO(left);
  CHECK_FALSE(Contains(left, "fwmark"));
  CHECK(Contains(left, "from 192.0.2.0/24 lookup 78"));
}

}  // namespace
}  // namespace kr::route
