// ipsets and iptables together on real packets: a rule in an owned chain matching
// `-m set --match-set` acts on TCP connections from a set member, and follows the set's
// membership (add, del, swap) without the rule being rewritten. Both backends, both families,
// in fresh network namespaces.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <chrono>

#include "common/ipset/libipset_client.h"
#include "common/iptables/owned_chain_syncer.h"
#include "common/iptables/xtables_runner.h"
#include "test/support/netns.h"
#include "test/support/tcp_probe.h"

namespace kr::iptables {
namespace {

using namespace std::chrono_literals;
using test::NetNs;

const Owner kOwner{"KR-FWS-", "kr-node:fw-set-test:"};

TEST_CASE("iptables_ipset_match: a set-matching DROP follows the set's members") {
  const Backend backend = GENERATE(Backend::kLegacy, Backend::kNft);
  const bool v4 = GENERATE(true, false);
  INFO(std::string(BackendName(backend)) + (v4 ? " IPv4" : " IPv6"));
  const IpFamily family = v4 ? IpFamily::kIPv4 : IpFamily::kIPv6;
  const ipset::Family set_family = v4 ? ipset::Family::kInet : ipset::Family::kInet6;

  NetNs client("client"), server("server");
  test::VethPair link(client, "eth0", server, "eth0");
  const std::string client_ip = v4 ? "198.51.100.1" : "2001:db8:100::1";
  const std::string server_ip = v4 ? "198.51.100.2" : "2001:db8:100::2";
  client.AddAddress("eth0", client_ip + (v4 ? "/24" : "/64"));
  server.AddAddress("eth0", server_ip + (v4 ? "/24" : "/64"));
  test::TcpListener listener = test::ListenTcp(server, v4 ? AF_INET : AF_INET6);
  auto probe = [&](std::chrono::milliseconds timeout) {
    return std::string(test::ToString(test::ConnectTcp(client, server_ip, listener.port, timeout)));
  };

  auto opened = server.Run([] { return ipset::LibipsetClient::Open(); });
  REQUIRE(opened.ok());
  ipset::LibipsetClient& sets = **opened;
  const ipset::SetSpec peers{"KR-FWS-PEERS", ipset::SetType::kHashIp, set_family};
  const ipset::SetSpec empty{"KR-FWS-EMPTY", ipset::SetType::kHashIp, set_family};
  REQUIRE(sets.Create(peers).ok());
  REQUIRE(sets.Create(empty).ok());
  REQUIRE(sets.Add(peers.name, client_ip).ok());

  XtablesRunner runner(backend);
  OwnedChainSyncer syncer(runner, family, kOwner);
  DesiredRules desired;
  desired["filter"].chains["KR-FWS-IN"] = {"-p tcp -m tcp --dport " +
                                           std::to_string(listener.port) +
                                           " -m set --match-set KR-FWS-PEERS src -j DROP"};
  desired["filter"].jumps.push_back({"INPUT", MakeJumpRule(kOwner, "input", "", "KR-FWS-IN")});
  auto plan = server.Run([&] { return syncer.Sync(desired); });
  INFO((plan.ok() ? plan->payload : plan.error().message));
  REQUIRE(plan.ok());
  CHECK(server.Run([&] { return syncer.Sync(desired); })->empty());

  CHECK(probe(1s) == "timed out");
  REQUIRE(sets.Del(peers.name, client_ip).ok());
  CHECK(probe(5s) == "connected");
  REQUIRE(sets.Add(peers.name, client_ip).ok());
  CHECK(probe(1s) == "timed out");
  // Atomic replacement: the rule keeps matching the name, which now holds no members.
  REQUIRE(sets.Swap(peers.name, empty.name).ok());
  CHECK(probe(5s) == "connected");
  CHECK(server.Run([&] { return syncer.Sync(desired); })->empty());

  // Sets in use cannot go before the rules do.
  CHECK(sets.Destroy(peers.name).error().code == EBUSY);
  REQUIRE(server.Run([&] { return syncer.Cleanup(); }).ok());
  CHECK(sets.Destroy(peers.name).ok());
  CHECK(sets.Destroy(empty.name).ok());
  CHECK(sets.List("KR-FWS-")->empty());
}

}  // namespace
}  // namespace kr::iptables
