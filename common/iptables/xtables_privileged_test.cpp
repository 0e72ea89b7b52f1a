// OwnedChainSyncer on the real iptables tools, for both backends (legacy, nft) and both
// families, each case in fresh network namespaces: exact diffs against iptables-save,
// coexistence with another owner's rules, minimal rewrites (proved with packet counters), and
// a DROP rule acting on real TCP connections between two namespaces.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <chrono>

#include "common/iptables/backend_detect.h"
#include "common/iptables/owned_chain_syncer.h"
#include "common/iptables/rule_text.h"
#include "common/iptables/xtables_runner.h"
#include "test/support/netns.h"
#include "test/support/tcp_probe.h"

namespace kr::iptables {
namespace {

using namespace std::chrono_literals;
using test::NetNs;

const Owner kOwner{"KR-FWT-", "kr-node:fw-test:"};

struct Case {
  Backend backend;
  IpFamily family;
};

std::string Describe(const Case& c) {
  return std::string(BackendName(c.backend)) + (c.family == IpFamily::kIPv4 ? " IPv4" : " IPv6");
}

Case AnyCase() {
  return GENERATE(Case{Backend::kLegacy, IpFamily::kIPv4}, Case{Backend::kLegacy, IpFamily::kIPv6},
                  Case{Backend::kNft, IpFamily::kIPv4}, Case{Backend::kNft, IpFamily::kIPv6});
}

bool V4(const Case& c) {
  return c.family == IpFamily::kIPv4;
}

Ruleset Observe(const NetNs& ns, XtablesRunner& runner, IpFamily family) {
  auto saved = ns.Run([&] { return runner.Save(family); });
  REQUIRE(saved.ok());
  auto parsed = ParseIptablesSave(*saved);
  INFO(*saved);
  REQUIRE(parsed.ok());
  return *parsed;
}

// The ruleset with everything of kOwner removed: what other owners see.
Ruleset WithoutOwned(Ruleset ruleset) {
  for (Table& table : ruleset.tables) {
    std::erase_if(table.chains,
                  [](const Chain& chain) { return chain.name.rfind(kOwner.chain_prefix, 0) == 0; });
    for (Chain& chain : table.chains) {
      std::erase_if(chain.rules, [](const std::string& rule) {
        auto comment = RuleComment(rule);
        return comment && comment->rfind(kOwner.comment_prefix, 0) == 0;
      });
    }
  }
  return ruleset;
}

// Another owner's chains and rules in the same tables.
constexpr std::string_view kForeignRules = R"(*filter
:FOREIGN - [0:0]
-A FOREIGN -p tcp -m tcp --dport 22 -j ACCEPT
-A INPUT -j FOREIGN
-A FORWARD -m comment --comment "other-owner: keep \"me\"" -j ACCEPT
COMMIT
*nat
:FOREIGN-NAT - [0:0]
-A FOREIGN-NAT -j RETURN
-A POSTROUTING -o eth9 -j MASQUERADE
COMMIT
)";

DesiredRules Desired(const Case& c, std::string_view blocked) {
  const std::string pods = V4(c) ? "10.244.0.0/16" : "2001:db8:244::/64";
  DesiredRules desired;
  DesiredTable& filter = desired["filter"];
  filter.chains["KR-FWT-IN"] = {"-s " + std::string(blocked) + " -j DROP"};
  filter.chains["KR-FWT-CNT"] = {"-p udp -m udp --dport 9"};
  filter.jumps.push_back({"INPUT", MakeJumpRule(kOwner, "input", "", "KR-FWT-IN")});
  filter.jumps.push_back({"OUTPUT", MakeJumpRule(kOwner, "count", "", "KR-FWT-CNT")});
  DesiredTable& nat = desired["nat"];
  nat.chains["KR-FWT-SNAT"] = {"-s " + pods + " ! -d " + pods + " -j MASQUERADE"};
  nat.jumps.push_back(
      {"POSTROUTING", MakeJumpRule(kOwner, "snat", "", "KR-FWT-SNAT"), JumpRule::Position::kLast});
  return desired;
}

// Packets counted by the first rule of `chain`, from `iptables-save -c`.
long PacketCount(const NetNs& ns, const XtablesRunner& runner, IpFamily family,
                 const std::string& chain) {
  std::string text = ns.ExecOrThrow({runner.Tool(family, "save"), "-c"});
  auto at = text.find("] -A " + chain + " ");
  REQUIRE(at != std::string::npos);
  auto open = text.rfind('[', at);
  return std::stol(text.substr(open + 1, text.find(':', open) - open - 1));
}

void SendUdpToDiscardPort(const NetNs& ns, IpFamily family) {
  ns.Run([family] {
    const int af = family == IpFamily::kIPv4 ? AF_INET : AF_INET6;
    test::UniqueFd fd(socket(af, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_storage addr{};
    socklen_t len = 0;
    if (af == AF_INET) {
      auto* in = reinterpret_cast<sockaddr_in*>(&addr);
      in->sin_family = AF_INET;
      in->sin_port = htons(9);
      in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      len = sizeof(sockaddr_in);
    } else {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons(9);
      in6->sin6_addr = in6addr_loopback;
      len = sizeof(sockaddr_in6);
    }
    char byte = 'x';
    if (sendto(fd.get(), &byte, 1, 0, reinterpret_cast<sockaddr*>(&addr), len) != 1) {
      throw std::runtime_error("sendto failed");
    }
  });
}

TEST_CASE("iptables_xtables: owned chains coexist with another owner's, diffs are exact") {
  const Case c = AnyCase();
  INFO(Describe(c));
  NetNs ns("fw");
  XtablesRunner runner(c.backend);
  OwnedChainSyncer syncer(runner, c.family, kOwner);
  REQUIRE(ns.Run([&] { return runner.Restore(c.family, kForeignRules); }).ok());
  const Ruleset foreign = Observe(ns, runner, c.family);

  const std::string blocked = V4(c) ? "192.0.2.0/24" : "2001:db8:2::/64";
  auto first = ns.Run([&] { return syncer.Sync(Desired(c, blocked)); });
  REQUIRE(first.ok());
  CHECK(first->created_chains.size() == 3);
  Ruleset synced = Observe(ns, runner, c.family);
  const Table& filter = *synced.FindTable("filter");
  CHECK(filter.FindChain("KR-FWT-IN")->rules ==
        std::vector<std::string>{"-s " + blocked + " -j DROP"});
  CHECK(filter.FindChain("INPUT")->rules ==
        std::vector<std::string>{"-m comment --comment kr-node:fw-test:input -j KR-FWT-IN",
                                 "-j FOREIGN"});
  CHECK(synced.FindTable("nat")->FindChain("POSTROUTING")->rules.back() ==
        "-m comment --comment kr-node:fw-test:snat -j KR-FWT-SNAT");
  CHECK(WithoutOwned(synced) == foreign);

  // What we wrote reads back identically: the next sync has nothing to do.
  auto second = ns.Run([&] { return syncer.Sync(Desired(c, blocked)); });
  REQUIRE(second.ok());
  CHECK(second->empty());

  // Changing one chain rewrites only it: the counter of the untouched chain survives.
  SendUdpToDiscardPort(ns, c.family);
  REQUIRE(PacketCount(ns, runner, c.family, "KR-FWT-CNT") == 1);
  const std::string other = V4(c) ? "198.51.100.0/24" : "2001:db8:3::/64";
  auto third = ns.Run([&] { return syncer.Sync(Desired(c, other)); });
  REQUIRE(third.ok());
  CHECK(third->rewritten_chains == std::vector<std::string>{"filter/KR-FWT-IN"});
  CHECK(PacketCount(ns, runner, c.family, "KR-FWT-CNT") == 1);
  synced = Observe(ns, runner, c.family);
  CHECK(synced.FindTable("filter")->FindChain("KR-FWT-IN")->rules ==
        std::vector<std::string>{"-s " + other + " -j DROP"});
  CHECK(WithoutOwned(synced) == foreign);

  // An event-driven sync trusting the last-known state (no iptables-save) writes the same
  // thing: a full sync afterwards finds nothing to do.
  auto trusting =
      ns.Run([&] { return syncer.Sync(Desired(c, blocked), {.trust_last_known = true}); });
  REQUIRE(trusting.ok());
  CHECK(trusting->rewritten_chains == std::vector<std::string>{"filter/KR-FWT-IN"});
  CHECK(ns.Run([&] { return syncer.Sync(Desired(c, blocked)); })->empty());
  auto back = ns.Run([&] { return syncer.Sync(Desired(c, other), {.trust_last_known = true}); });
  REQUIRE(back.ok());
  CHECK(ns.Run([&] { return syncer.Sync(Desired(c, other)); })->empty());

  // Someone else flushes INPUT and adds a rule: a full sync repairs only our jump.
  REQUIRE(ns.Run([&] {
              return runner.Restore(c.family, "*filter\n-F INPUT\n-A INPUT -j FOREIGN\nCOMMIT\n");
            }).ok());
  auto repair = ns.Run([&] { return syncer.Sync(Desired(c, other)); });
  REQUIRE(repair.ok());
  CHECK(repair->jump_rules_added == 1);
  CHECK(repair->rewritten_chains.empty());
  CHECK(WithoutOwned(Observe(ns, runner, c.family)) == foreign);

  auto cleanup = ns.Run([&] { return syncer.Cleanup(); });
  REQUIRE(cleanup.ok());
  CHECK(cleanup->deleted_chains.size() == 3);
  CHECK(Observe(ns, runner, c.family) == foreign);
  CHECK(ns.Run([&] { return syncer.Cleanup(); })->empty());
}

TEST_CASE("iptables_xtables: a refused payload changes nothing and names its line") {
  const Case c = AnyCase();
  INFO(Describe(c));
  NetNs ns("fw");
  XtablesRunner runner(c.backend);
  REQUIRE(ns.Run([&] { return runner.Restore(c.family, kForeignRules); }).ok());
  const Ruleset before = Observe(ns, runner, c.family);
  Status status = ns.Run([&] {
    return runner.Restore(c.family,
                          "*filter\n:KR-FWT-B - [0:0]\n-A KR-FWT-B -j ACCEPT\n-A KR-FWT-B "
                          "--bogus\nCOMMIT\n");
  });
  REQUIRE_FALSE(status.ok());
  CHECK(status.error().code == EINVAL);
  CHECK(status.error().message.find("at line 4 (-A KR-FWT-B --bogus)") != std::string::npos);
  CHECK(Observe(ns, runner, c.family) == before);
}

TEST_CASE("iptables_xtables: a DROP rule in an owned chain blocks TCP between namespaces") {
  const Case c = AnyCase();
  INFO(Describe(c));
  NetNs client("client"), server("server");
  test::VethPair link(client, "eth0", server, "eth0");
  const std::string client_ip = V4(c) ? "198.51.100.1" : "2001:db8:100::1";
  const std::string server_ip = V4(c) ? "198.51.100.2" : "2001:db8:100::2";
  const std::string prefix = V4(c) ? "/24" : "/64";
  client.AddAddress("eth0", client_ip + prefix);
  server.AddAddress("eth0", server_ip + prefix);
  test::TcpListener listener = test::ListenTcp(server, V4(c) ? AF_INET : AF_INET6);
  const std::string port = std::to_string(listener.port);

  XtablesRunner runner(c.backend);
  OwnedChainSyncer syncer(runner, c.family, kOwner);
  auto sync = [&](std::vector<std::string> rules) {
    DesiredRules desired;
    desired["filter"].chains["KR-FWT-IN"] = std::move(rules);
    desired["filter"].jumps.push_back({"INPUT", MakeJumpRule(kOwner, "input", "", "KR-FWT-IN")});
    auto plan = server.Run([&] { return syncer.Sync(desired); });
    INFO((plan.ok() ? plan->payload : plan.error().message));
    REQUIRE(plan.ok());
    return *plan;
  };
  auto probe = [&](std::chrono::milliseconds timeout) {
    return test::ToString(test::ConnectTcp(client, server_ip, listener.port, timeout));
  };

  sync({});
  CHECK(probe(5s) == std::string("connected"));
  const std::string drop =
      "-s " + client_ip + (V4(c) ? "/32" : "/128") + " -p tcp -m tcp --dport " + port + " -j DROP";
  sync({drop});
  CHECK(probe(1s) == std::string("timed out"));
  CHECK(sync({drop}).empty());
  sync({});
  CHECK(probe(5s) == std::string("connected"));
  CHECK(server.Run([&] { return syncer.Cleanup(); }).ok());
}

TEST_CASE("iptables_xtables: the backend holding the rules is detected") {
  NetNs ns("detect");
  CHECK(ns.Run([] { return DetectBackendFromSystem(); }) == Backend::kNft);
  XtablesRunner legacy(Backend::kLegacy);
  REQUIRE(ns.Run([&] { return legacy.Restore(IpFamily::kIPv4, kForeignRules); }).ok());
  CHECK(ns.Run([] { return DetectBackendFromSystem(); }) == Backend::kLegacy);
  // Kubelet's hint chain in the nft mangle table outweighs the legacy rules.
  XtablesRunner nft(Backend::kNft);
  REQUIRE(ns.Run([&] {
              return nft.Restore(IpFamily::kIPv6, "*mangle\n:KUBE-IPTABLES-HINT - [0:0]\nCOMMIT\n");
            }).ok());
  CHECK(ns.Run([] { return DetectBackendFromSystem(); }) == Backend::kNft);
}

}  // namespace
}  // namespace kr::iptables
