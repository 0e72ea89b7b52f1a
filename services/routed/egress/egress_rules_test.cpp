#include "services/routed/egress/egress_rules.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/log/log.h"
#include "services/routed/egress/egress_names.h"

namespace kr::routed::egress {
namespace {

using route::IpAddress;
using route::IpPrefix;

ClusterAddresses Cluster() {
  ClusterAddresses cluster;
  cluster.pod_cidrs = {IpPrefix::FromString("198.18.1.0/24"), IpPrefix::FromString("198.18.2.0/24"),
                       IpPrefix::FromString("2001:db8:ff:1::/64")};
  cluster.node_ips = {IpAddress::FromString("192.0.2.10"), IpAddress::FromString("192.0.2.11"),
                      IpAddress::FromString("2001:db8::10")};
  return cluster;
}

const ipset::SetContent* FindSet(const DesiredEgress& desired, const std::string& name) {
  for (const auto& set : desired.sets) {
    if (set.spec.name == name) return &set;
  }
  return nullptr;
}

TEST_CASE("disabled: nothing at all") {
  const DesiredEgress desired = BuildDesiredEgress(EgressOptions{}, Cluster());
  CHECK(desired.sets.empty());
  CHECK(desired.rules[0].empty());
  CHECK(desired.rules[1].empty());
}

TEST_CASE("IPv4: two sets and one owned nat chain jumped to from POSTROUTING") {
  EgressOptions options;
  options.enabled = true;
  const DesiredEgress desired = BuildDesiredEgress(options, Cluster());

  REQUIRE(desired.sets.size() == 2);
  const ipset::SetContent* pods = FindSet(desired, kPodSubnetsSetV4);
  const ipset::SetContent* nodes = FindSet(desired, kNodeIpsSetV4);
  REQUIRE(pods != nullptr);
  REQUIRE(nodes != nullptr);
  CHECK(pods->spec.type == ipset::SetType::kHashNet);
  CHECK(pods->spec.family == ipset::Family::kInet);
  CHECK(pods->members == std::set<std::string>{"198.18.1.0/24", "198.18.2.0/24"});
  CHECK(nodes->spec.type == ipset::SetType::kHashIp);
  CHECK(nodes->members == std::set<std::string>{"192.0.2.10", "192.0.2.11"});

  CHECK(desired.rules[1].empty());
  REQUIRE(desired.rules[0].size() == 1);
  const iptables::DesiredTable& nat = desired.rules[0].at("nat");
  REQUIRE(nat.chains.size() == 1);
  CHECK(nat.chains.at(kEgressChain) ==
        std::vector<std::string>{
            "-m set --match-set KR-RTE-POD-SUBNETS-V4 src -m set ! --match-set "
            "KR-RTE-POD-SUBNETS-V4 dst -m set ! --match-set KR-RTE-NODE-IPS-V4 dst -j MASQUERADE "
            "--random-fully"});
  REQUIRE(nat.jumps.size() == 1);
  CHECK(nat.jumps[0].chain == "POSTROUTING");
  CHECK(nat.jumps[0].position == iptables::JumpRule::Position::kLast);
  CHECK(nat.jumps[0].rule ==
        "-m comment --comment kr-node:routed-egress:pod-egress -j KR-RTE-POD-EGRESS");
  CHECK(iptables::ValidateDesiredRules(EgressOwner(), desired.rules[0]).ok());
}

TEST_CASE("dual stack: each family its own sets and rule") {
  EgressOptions options;
  options.enabled = true;
  options.ipv6 = true;
  options.random_fully = false;
  const DesiredEgress desired = BuildDesiredEgress(options, Cluster());
  REQUIRE(desired.sets.size() == 4);
  const ipset::SetContent* pods6 = FindSet(desired, kPodSubnetsSetV6);
  REQUIRE(pods6 != nullptr);
  CHECK(pods6->spec.family == ipset::Family::kInet6);
  CHECK(pods6->members == std::set<std::string>{"2001:db8:ff:1::/64"});
  CHECK(FindSet(desired, kNodeIpsSetV6)->members == std::set<std::string>{"2001:db8::10"});
  CHECK(desired.rules[1].at("nat").chains.at(kEgressChain)[0] ==
        MasqueradeRule(iptables::IpFamily::kIPv6, false));
  CHECK(MasqueradeRule(iptables::IpFamily::kIPv6, false)
            .find("KR-RTE-NODE-IPS-V6 dst -j "
                  "MASQUERADE") != std::string::npos);
  CHECK(iptables::ValidateDesiredRules(EgressOwner(), desired.rules[1]).ok());
}

TEST_CASE("ClusterAddresses::AddNode skips malformed values, naming the node") {
  std::vector<std::string> lines;
  log::Sink previous = log::SetSink([&](std::string_view line) { lines.emplace_back(line); });
  model::Node node;
  node.name = "node-7";
  node.pod_cidrs = {"198.18.7.0/24", "198.18.7.1/24", "not-a-cidr"};
  node.addresses = {{"InternalIP", "192.0.2.7"},
                    {"ExternalIP", "203.0.113.7"},
                    {"Hostname", "node-7.example"},
                    {"InternalIP", "192.0.2.777"}};
  ClusterAddresses cluster;
  cluster.AddNode(node);
  log::SetSink(previous);

  CHECK(cluster.pod_cidrs == std::vector<IpPrefix>{IpPrefix::FromString("198.18.7.0/24")});
  CHECK(cluster.node_ips == std::vector<IpAddress>{IpAddress::FromString("192.0.2.7"),
                                                   IpAddress::FromString("203.0.113.7")});
  REQUIRE(lines.size() == 3);  // host bits set, not a CIDR, bad address
  for (const auto& line : lines) CHECK(line.find("node-7") != std::string::npos);
}

}  // namespace
}  // namespace kr::routed::egress
