#include "services/routed/egress/egress_syncer.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/ipset/fake_ipset_client.h"
#include "common/iptables/fake_iptables_runner.h"
#include "services/routed/egress/egress_names.h"

namespace kr::routed::egress {
namespace {

using iptables::IpFamily;
using route::IpAddress;
using route::IpPrefix;

ClusterAddresses TwoNodes() {
  ClusterAddresses cluster;
  cluster.pod_cidrs = {IpPrefix::FromString("198.18.1.0/24"),
                       IpPrefix::FromString("198.18.2.0/24")};
  cluster.node_ips = {IpAddress::FromString("192.0.2.10"), IpAddress::FromString("192.0.2.11")};
  return cluster;
}

EgressOptions Enabled() {
  EgressOptions options;
  options.enabled = true;
  return options;
}

std::vector<std::string> Rules(iptables::FakeIptablesRunner& runner, IpFamily family,
                               const std::string& chain) {
  const iptables::Table* nat = runner.rules(family).FindTable("nat");
  if (nat == nullptr) return {};
  const iptables::Chain* found = nat->FindChain(chain);
  return found == nullptr ? std::vector<std::string>{} : found->rules;
}

std::vector<std::string> SetNames(ipset::FakeIpsetClient& ipsets) {
  Expected<std::vector<ipset::SetContent>> sets = ipsets.List("");
  REQUIRE(sets.ok());
  std::vector<std::string> names;
  for (const auto& set : *sets) names.push_back(set.spec.name);
  return names;
}

std::set<std::string> Members(ipset::FakeIpsetClient& ipsets, const std::string& name) {
  Expected<std::vector<ipset::SetContent>> sets = ipsets.List(name);
  REQUIRE(sets.ok());
  for (const auto& set : *sets) {
    if (set.spec.name == name) return set.members;
  }
  FAIL("no set " << name);
  return {};
}

// Another user of nat POSTROUTING and of ipset, as kube-proxy or an operator would be.
void PlantForeign(iptables::FakeIptablesRunner& runner, ipset::FakeIpsetClient& ipsets) {
  REQUIRE(runner
              .Restore(IpFamily::kIPv4,
                       "*nat\n:KUBE-POSTROUTING - [0:0]\n"
                       "-A POSTROUTING -j KUBE-POSTROUTING\n"
                       "-A POSTROUTING -s 198.18.9.0/24 -j MASQUERADE\n"
                       "-A KUBE-POSTROUTING -m mark --mark 0x4000/0x4000 -j MASQUERADE\n"
                       "COMMIT\n")
              .ok());
  REQUIRE(ipsets.Create({"KUBE-CLUSTER-IP", ipset::SetType::kHashIp, ipset::Family::kInet}).ok());
}

const std::vector<std::string> kForeignPostrouting = {"-j KUBE-POSTROUTING",
                                                      "-s 198.18.9.0/24 -j MASQUERADE"};

TEST_CASE("EgressSyncer programs sets, chain and jump beside foreign rules") {
  iptables::FakeIptablesRunner runner;
  ipset::FakeIpsetClient ipsets;
  PlantForeign(runner, ipsets);
  EgressSyncer egress(Enabled(), runner, ipsets);

  Expected<EgressSyncResult> first = egress.Sync(TwoNodes());
  REQUIRE(first.ok());
  CHECK(first->changed());
  CHECK(Members(ipsets, kPodSubnetsSetV4) ==
        std::set<std::string>{"198.18.1.0/24", "198.18.2.0/24"});
  CHECK(Members(ipsets, kNodeIpsSetV4) == std::set<std::string>{"192.0.2.10", "192.0.2.11"});
  CHECK(Rules(runner, IpFamily::kIPv4, kEgressChain) ==
        std::vector<std::string>{MasqueradeRule(IpFamily::kIPv4, true)});
  std::vector<std::string> postrouting = kForeignPostrouting;
  postrouting.push_back(
      "-m comment --comment kr-node:routed-egress:pod-egress -j KR-RTE-POD-EGRESS");
  CHECK(Rules(runner, IpFamily::kIPv4, "POSTROUTING") == postrouting);
  CHECK(runner.restore_calls() == 2);  // the foreign rules and our IPv4 sync: IPv6 untouched
  CHECK(Rules(runner, IpFamily::kIPv6, kEgressChain).empty());

  SECTION("a second sync writes nothing") {
    const int restores = runner.restore_calls();
    const std::size_t mutations = ipsets.mutations();
    Expected<EgressSyncResult> again = egress.Sync(TwoNodes());
    REQUIRE(again.ok());
    CHECK_FALSE(again->changed());
    CHECK(runner.restore_calls() == restores);
    CHECK(ipsets.mutations() == mutations);
  }
  SECTION("a node joining, incrementally: two set members, no iptables read or write") {
    ClusterAddresses three = TwoNodes();
    three.pod_cidrs.push_back(IpPrefix::FromString("198.18.3.0/24"));
    three.node_ips.push_back(IpAddress::FromString("192.0.2.12"));
    const int saves = runner.save_calls();
    const int restores = runner.restore_calls();
    Expected<EgressSyncResult> joined = egress.Sync(three, /*full=*/false);
    REQUIRE(joined.ok());
    CHECK(joined->ipset_commands == 2);
    CHECK(runner.save_calls() == saves);
    CHECK(runner.restore_calls() == restores);
    CHECK(Members(ipsets, kPodSubnetsSetV4).contains("198.18.3.0/24"));
    CHECK(Members(ipsets, kNodeIpsSetV4).contains("192.0.2.12"));
  }
  SECTION("a full sync repairs a jump someone deleted") {
    REQUIRE(runner
                .Restore(IpFamily::kIPv4,
                         "*nat\n-D POSTROUTING -m comment --comment "
                         "\"kr-node:routed-egress:pod-egress\" -j KR-RTE-POD-EGRESS\nCOMMIT\n")
                .ok());
    REQUIRE(egress.Sync(TwoNodes()).ok());
    CHECK(Rules(runner, IpFamily::kIPv4, "POSTROUTING") == postrouting);
  }
  SECTION("turning egress off removes ours only") {
    EgressSyncer off(EgressOptions{}, runner, ipsets);
    REQUIRE(off.Sync(TwoNodes()).ok());
    CHECK(Rules(runner, IpFamily::kIPv4, "POSTROUTING") == kForeignPostrouting);
    CHECK(runner.rules(IpFamily::kIPv4).FindTable("nat")->FindChain(kEgressChain) == nullptr);
    CHECK(SetNames(ipsets) == std::vector<std::string>{"KUBE-CLUSTER-IP"});
  }
  SECTION("cleanup removes ours only") {
    REQUIRE(egress.Cleanup().ok());
    CHECK(Rules(runner, IpFamily::kIPv4, "POSTROUTING") == kForeignPostrouting);
    CHECK(Rules(runner, IpFamily::kIPv4, "KUBE-POSTROUTING").size() == 1);
    CHECK(runner.rules(IpFamily::kIPv4).FindTable("nat")->FindChain(kEgressChain) == nullptr);
    CHECK(SetNames(ipsets) == std::vector<std::string>{"KUBE-CLUSTER-IP"});
    // and a later sync puts everything back
    REQUIRE(egress.Sync(TwoNodes(), /*full=*/false).ok());
    CHECK(Rules(runner, IpFamily::kIPv4, "POSTROUTING") == postrouting);
  }
}

TEST_CASE("dual stack programs both families") {
  iptables::FakeIptablesRunner runner;
  ipset::FakeIpsetClient ipsets;
  EgressOptions options = Enabled();
  options.ipv6 = true;
  EgressSyncer egress(options, runner, ipsets);
  ClusterAddresses cluster = TwoNodes();
  cluster.pod_cidrs.push_back(IpPrefix::FromString("2001:db8:ff:1::/64"));
  cluster.node_ips.push_back(IpAddress::FromString("2001:db8::10"));
  REQUIRE(egress.Sync(cluster).ok());
  CHECK(Rules(runner, IpFamily::kIPv6, kEgressChain) ==
        std::vector<std::string>{MasqueradeRule(IpFamily::kIPv6, true)});
  CHECK(Members(ipsets, kPodSubnetsSetV6) == std::set<std::string>{"2001:db8:ff:1::/64"});
  CHECK(Members(ipsets, kPodSubnetsSetV4).size() == 2);
}

TEST_CASE("a failed ipset listing is an error; the next sync recovers") {
  // Fails only List, then behaves.
  class FailingList : public ipset::IpsetClient {
   public:
    Status Create(const ipset::SetSpec& s) override { return inner.Create(s); }
    Status Add(std::string_view s, std::string_view m) override { return inner.Add(s, m); }
    Status Del(std::string_view s, std::string_view m) override { return inner.Del(s, m); }
    Status Flush(std::string_view s) override { return inner.Flush(s); }
    Status Swap(std::string_view s, std::string_view o) override { return inner.Swap(s, o); }
    Status Destroy(std::string_view s) override { return inner.Destroy(s); }
    Expected<std::vector<ipset::SetContent>> List(std::string_view prefix) override {
      if (fail_next) {
        fail_next = false;
        return Error::FromErrno(EPERM, "ipset list");
      }
      return inner.List(prefix);
    }
    Status Restore(const ipset::IpsetBatch& batch) override { return inner.Restore(batch); }
    ipset::FakeIpsetClient inner;
    bool fail_next = true;
  } ipsets;
  iptables::FakeIptablesRunner runner;
  EgressSyncer egress(Enabled(), runner, ipsets);
  Expected<EgressSyncResult> failed = egress.Sync(TwoNodes());
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().code == EPERM);
  CHECK(failed.error().message.find("pod egress") != std::string::npos);
  CHECK(Rules(runner, IpFamily::kIPv4, kEgressChain).empty());
  REQUIRE(egress.Sync(TwoNodes(), /*full=*/false).ok());
  CHECK(Rules(runner, IpFamily::kIPv4, kEgressChain).size() == 1);
}

}  // namespace
}  // namespace kr::routed::egress
