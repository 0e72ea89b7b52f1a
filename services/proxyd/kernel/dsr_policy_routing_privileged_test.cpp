// DSR policy routing over real rtnetlink in a fresh network namespace (privileged tier): the
// rules and table 78's local routes as `ip` shows them, and nothing of ours after Cleanup.
#include <catch2/catch.hpp>
#include <string>

#include "services/proxyd/kernel/dsr_policy_routing.h"
#include "test/support/netns.h"

namespace kr::proxyd {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

bool OurMark(uint32_t mark) {
  return (mark & ~0x3FFFu) == 0x01000000;
}

TEST_CASE("DSR policy routing in a real kernel") {
  test::NetNs ns("dsr");
  ns.ExecOrThrow({"ip", "rule", "add", "prio", "32764", "fwmark", "0x4000", "table", "78"});
  ns.Run([] {
    auto rules = route::NetlinkRuleKernel::Create();
    auto routes = NetlinkLocalDefaultRoutes::Open();
    REQUIRE(rules);
    REQUIRE(routes);
    DsrPolicyRouting routing(*rules, *routes, {.owns_mark = OurMark});
    REQUIRE(routing.Sync({{AF_INET, 0x01000abc}, {AF_INET6, 0x01000abd}}, true).ok());
    // A second full sync finds everything in place (the route already there is no error).
    REQUIRE(routing.Sync({{AF_INET, 0x01000abc}, {AF_INET6, 0x01000abd}}, true).ok());
  });
  CHECK(Contains(ns.ExecOrThrow({"ip", "rule"}), "32764:\tfrom all fwmark 0x1000abc lookup 78"));
  CHECK(Contains(ns.ExecOrThrow({"ip", "-6", "rule"}), "from all fwmark 0x1000abd lookup 78"));
  CHECK(Contains(ns.ExecOrThrow({"ip", "route", "show", "table", "78"}), "local default dev lo"));
  CHECK(Contains(ns.ExecOrThrow({"ip", "-6", "route", "show", "table", "78"}),
                 "local default dev lo"));
  // A marked packet to an address on no interface is delivered locally: the route lookup
  // with the mark says "local".
  CHECK(Contains(ns.ExecOrThrow({"ip", "route", "get", "203.0.113.9", "mark", "0x1000abc"}),
                 "local 203.0.113.9 dev lo table 78"));

  ns.Run([] {
    auto rules = route::NetlinkRuleKernel::Create();
    auto routes = NetlinkLocalDefaultRoutes::Open();
    REQUIRE(rules);
    REQUIRE(routes);
    DsrPolicyRouting routing(*rules, *routes, {.owns_mark = OurMark});
    REQUIRE(routing.Cleanup().ok());  // a new process: finds its rules by dumping
  });
  const std::string left = ns.ExecOrThrow({"ip", "rule"});
  INFO(left);
  CHECK_FALSE(Contains(left, "0x1000abc"));
  CHECK(Contains(left, "fwmark 0x4000 lookup 78"));  // someone else's stays
  CHECK_FALSE(Contains(ns.ExecOrThrow({"ip", "-6", "rule"}), "0x1000abd"));
  CHECK(ns.ExecOrThrow({"ip", "route", "show", "table", "78"}).empty());
  CHECK(ns.ExecOrThrow({"ip", "-6", "route", "show", "table", "78"}).empty());
}

}  // namespace
}  // namespace kr::proxyd
