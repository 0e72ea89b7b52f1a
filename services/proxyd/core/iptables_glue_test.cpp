// The iptables glue's rules (pure): kube-router's SNAT, hairpin and fwmark rules in our own
// chains, as iptables-save prints them, per family.
#include "services/proxyd/core/iptables_glue.h"

#include <catch2/catch.hpp>

namespace kr::proxyd {
namespace {

using iptables::IpFamily;

ipvs::IpAddress Ip(const char* text) {
  return ipvs::IpAddress::FromString(text);
}

Cidr Net(const char* text) {
  return *Cidr::Parse(text);
}

TEST_CASE("No settings and no services: no rules at all") {
  CHECK(ProxydIptablesRules(IpFamily::kIPv4, {}, {}).empty());
  CHECK(ProxydIptablesRules(IpFamily::kIPv6, {.masquerade_all = true}, {}).empty());
}

TEST_CASE("--masquerade-all SNATs every IPVS-masqueraded packet to the node address") {
  GlueSettings settings{.masquerade_all = true, .node_ip = Ip("192.0.2.1")};
  auto rules = ProxydIptablesRules(IpFamily::kIPv4, settings, {});
  REQUIRE(rules.size() == 1);
  const auto& nat = rules.at("nat");
  CHECK(nat.chains.at("KR-PROXY-POSTROUTING") ==
        std::vector<std::string>{"-m ipvs --vdir ORIGINAL --vmethod MASQ -j SNAT --to-source "
                                 "192.0.2.1 --random-fully"});
  REQUIRE(nat.jumps.size() == 1);
  CHECK(nat.jumps[0].chain == "POSTROUTING");
  CHECK(nat.jumps[0].rule ==
        "-m ipvs --vdir ORIGINAL -m comment --comment kr-node:proxyd:postrouting -j "
        "KR-PROXY-POSTROUTING");
  CHECK(iptables::ValidateDesiredRules(ProxydIptablesOwner(), rules).ok());
  // The IPv6 side has no node address of its family: nothing.
  CHECK(ProxydIptablesRules(IpFamily::kIPv6, settings, {}).empty());
}

TEST_CASE("Cluster CIDR: traffic from outside it to non-local-pod destinations is SNATed") {
  GlueSettings settings{.node_ip = Ip("192.0.2.1"),
                        .cluster_cidrs = {Net("10.244.0.0/16"), Net("2001:db8:244::/56")},
                        .pod_cidrs = {Net("10.244.1.7/24")}};
  auto rules = ProxydIptablesRules(IpFamily::kIPv4, settings, {});
  CHECK(rules.at("nat").chains.at("KR-PROXY-POSTROUTING") ==
        std::vector<std::string>{"! -s 10.244.0.0/16 ! -d 10.244.1.0/24 -m ipvs --vdir ORIGINAL "
                                 "--vmethod MASQ -j SNAT --to-source 192.0.2.1 --random-fully"});

  SECTION("without --cluster-cidr the node's pod CIDR stands on both sides (kube-router)") {
    settings.cluster_cidrs.clear();
    auto only_pods = ProxydIptablesRules(IpFamily::kIPv4, settings, {});
    CHECK(only_pods.at("nat").chains.at("KR-PROXY-POSTROUTING") ==
          std::vector<std::string>{"! -s 10.244.1.0/24 ! -d 10.244.1.0/24 -m ipvs --vdir "
                                   "ORIGINAL --vmethod MASQ -j SNAT --to-source 192.0.2.1 "
                                   "--random-fully"});
  }
  SECTION("IPv6 with its own node address and cluster CIDR") {
    settings.node_ip = Ip("2001:db8::1");
    auto v6 = ProxydIptablesRules(IpFamily::kIPv6, settings, {});
    CHECK(v6.at("nat").chains.at("KR-PROXY-POSTROUTING") ==
          std::vector<std::string>{"! -s 2001:db8:244::/56 ! -d 2001:db8:244::/56 -m ipvs --vdir "
                                   "ORIGINAL --vmethod MASQ -j SNAT --to-source 2001:db8::1 "
                                   "--random-fully"});
  }
}

TEST_CASE("Hairpin rules SNAT a pod's packets to its own service to the VIP, per family") {
  GlueServices services;
  services.hairpins = {{Ip("198.18.1.2"), Ip("10.96.0.10"), ipvs::Protocol::kTcp, 80},
                       {Ip("2001:db8:1::2"), Ip("fd00:96::10"), ipvs::Protocol::kUdp, 53},
                       {Ip("198.18.1.2"), Ip("10.96.0.10"), ipvs::Protocol::kTcp, 80}};
  auto v4 = ProxydIptablesRules(IpFamily::kIPv4, {}, services);
  const auto& nat = v4.at("nat");
  CHECK(nat.chains.at("KR-PROXY-POSTROUTING") == std::vector<std::string>{"-j KR-PROXY-HAIRPIN"});
  CHECK(nat.chains.at("KR-PROXY-HAIRPIN") ==
        std::vector<std::string>{"-s 198.18.1.2/32 -d 198.18.1.2/32 -p tcp -m ipvs --vaddr "
                                 "10.96.0.10 --vport 80 -j SNAT --to-source 10.96.0.10"});
  auto v6 = ProxydIptablesRules(IpFamily::kIPv6, {}, services);
  CHECK(v6.at("nat").chains.at("KR-PROXY-HAIRPIN") ==
        std::vector<std::string>{"-s 2001:db8:1::2/128 -d 2001:db8:1::2/128 -p udp -m ipvs "
                                 "--vaddr fd00:96::10 --vport 53 -j SNAT --to-source fd00:96::10"});

  SECTION("hairpin goes before masquerade-all, so the reply returns through the VIP") {
    auto both = ProxydIptablesRules(IpFamily::kIPv4,
                                    {.masquerade_all = true, .node_ip = Ip("192.0.2.1")}, services);
    const auto& chain = both.at("nat").chains.at("KR-PROXY-POSTROUTING");
    REQUIRE(chain.size() == 2);
    CHECK(chain[0] == "-j KR-PROXY-HAIRPIN");
  }
}

TEST_CASE("DSR targets are marked in mangle from PREROUTING and OUTPUT") {
  GlueServices services;
  services.dsr_targets = {{Ip("203.0.113.7"), ipvs::Protocol::kTcp, 443, 0x4001}};
  auto rules = ProxydIptablesRules(IpFamily::kIPv4, {}, services);
  REQUIRE(rules.size() == 1);
  const auto& mangle = rules.at("mangle");
  CHECK(mangle.chains.at("KR-PROXY-FWMARK") ==
        std::vector<std::string>{"-d 203.0.113.7/32 -p tcp -m tcp --dport 443 -j MARK --set-xmark "
                                 "0x4001/0xffffffff"});
  REQUIRE(mangle.jumps.size() == 2);
  CHECK(mangle.jumps[0].chain == "PREROUTING");
  CHECK(mangle.jumps[1].chain == "OUTPUT");
  CHECK(iptables::ValidateDesiredRules(ProxydIptablesOwner(), rules).ok());
}

}  // namespace
}  // namespace kr::proxyd
