// The fake refuses what iptables-restore refuses, so code tested against it meets the same
// errors on a real node.
#include "common/iptables/fake_iptables_runner.h"

#include <catch2/catch.hpp>

namespace kr::iptables {
namespace {

Status Restore(FakeIptablesRunner& fake, std::string_view payload) {
  return fake.Restore(IpFamily::kIPv4, payload);
}

TEST_CASE("iptables_fake_runner: kernel-like refusals, each naming its line") {
  FakeIptablesRunner fake;
  REQUIRE(
      Restore(fake, "*filter\n:A - [0:0]\n:B - [0:0]\n-A A -j B\n-A INPUT -j A\nCOMMIT\n").ok());
  struct Refusal {
    std::string payload;
    std::string reason;
  };
  const std::vector<Refusal> refusals{
      {"*filter\n-X A\nCOMMIT\n", "at line 2 (-X A): iptables-restore: Directory not empty"},
      {"*filter\n-X B\nCOMMIT\n", "Too many links"},                // A still jumps to B
      {"*filter\n-D INPUT -j B\nCOMMIT\n", "Bad rule"},             // no such rule
      {"*filter\n-A A -j NOPE\nCOMMIT\n", "Couldn't load target"},  // unknown chain
      {"*filter\n-X INPUT\nCOMMIT\n", "built-in"},
      {"*filter\n-A A -j ACCEPT\n", "COMMIT expected"},
      {"*bogus\nCOMMIT\n", "can't initialize"},
  };
  const Ruleset before = fake.rules(IpFamily::kIPv4);
  for (const Refusal& refusal : refusals) {
    INFO(refusal.payload);
    Status status = Restore(fake, refusal.payload);
    REQUIRE_FALSE(status.ok());
    CHECK(status.error().code == EINVAL);
    CHECK(status.error().message.find(refusal.reason) != std::string::npos);
    // A refused section leaves nothing behind.
    CHECK(fake.rules(IpFamily::kIPv4) == before);
  }
}

TEST_CASE("iptables_fake_runner: --noflush semantics") {
  FakeIptablesRunner fake;
  REQUIRE(Restore(fake, "*filter\n:A - [0:0]\n-A A -j ACCEPT\n-A INPUT -j A\nCOMMIT\n").ok());
  // Declaring an existing chain flushes it; built-in chains keep their rules.
  REQUIRE(Restore(fake, "*filter\n:A - [0:0]\n:INPUT ACCEPT [0:0]\n-A A -j DROP\nCOMMIT\n").ok());
  const Table& filter = *fake.rules(IpFamily::kIPv4).FindTable("filter");
  CHECK(filter.FindChain("A")->rules == std::vector<std::string>{"-j DROP"});
  CHECK(filter.FindChain("INPUT")->rules == std::vector<std::string>{"-j A"});
  // -I with and without a position, -D by number.
  REQUIRE(Restore(fake, "*filter\n-I A -j RETURN\n-I A 3 -j LOG\n-D A 2\nCOMMIT\n").ok());
  CHECK(fake.rules(IpFamily::kIPv4).FindTable("filter")->FindChain("A")->rules ==
        std::vector<std::string>{"-j RETURN", "-j LOG"});
  // A table not there yet is created with its built-in chains.
  REQUIRE(Restore(fake, "*mangle\n:M - [0:0]\nCOMMIT\n").ok());
  CHECK(fake.rules(IpFamily::kIPv4).FindTable("mangle")->FindChain("PREROUTING") != nullptr);
  CHECK(fake.restore_calls() == 4);
}

}  // namespace
}  // namespace kr::iptables
