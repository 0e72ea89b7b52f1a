#include "services/proxyd/core/iptables_glue.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>
#include <string>
#include <tuple>

namespace kr::proxyd {
namespace {

int FamilyOf(iptables::IpFamily family) {
  return family == iptables::IpFamily::kIPv4 ? AF_INET : AF_INET6;
}

// As iptables-save prints a host address: with its prefix length.
std::string Host(const ipvs::IpAddress& address) {
  return address.ToString() + (address.is_v4() ? "/32" : "/128");
}

std::string LowerProtocol(ipvs::Protocol protocol) {
  std::string name = ipvs::ProtocolName(protocol);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

std::string Hex(uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%x", value);
  return text;
}

std::vector<std::string> SnatRules(const GlueSettings& settings, int family) {
  std::vector<std::string> rules;
  if (!settings.node_ip || settings.node_ip->family() != family) return rules;
  // `--ipvs` is implied by --vdir; iptables-save leaves it out, so the rule does too.
  const std::string ipvs_masq = "-m ipvs --vdir ORIGINAL --vmethod MASQ";
  const std::string snat =
      "-j SNAT --to-source " + settings.node_ip->ToString() + " --random-fully";
  if (settings.masquerade_all) rules.push_back(ipvs_masq + " " + snat);
  std::vector<Cidr> sources, destinations;
  for (const auto& cidr : settings.cluster_cidrs) {
    if (cidr.family() == family) sources.push_back(cidr);
  }
  for (const auto& cidr : settings.pod_cidrs) {
    if (cidr.family() == family) destinations.push_back(cidr);
  }
  if (sources.empty()) sources = destinations;
  if (destinations.empty()) destinations = sources;
  std::set<std::string> seen;
  for (const auto& source : sources) {
    for (const auto& destination : destinations) {
      std::string rule = "! -s " + source.MaskedString() + " ! -d " + destination.MaskedString() +
                         " " + ipvs_masq + " " + snat;
      if (seen.insert(rule).second) rules.push_back(std::move(rule));
    }
  }
  return rules;
}

}  // namespace

iptables::Owner ProxydIptablesOwner() {
  return {kIptablesChainPrefix, kIptablesCommentPrefix};
}

iptables::DesiredRules ProxydIptablesRules(iptables::IpFamily ip_family,
                                           const GlueSettings& settings,
                                           const GlueServices& services) {
  const int family = FamilyOf(ip_family);
  const iptables::Owner owner = ProxydIptablesOwner();
  iptables::DesiredRules rules;

  std::vector<HairpinRule> hairpins;
  for (const auto& rule : services.hairpins) {
    if (rule.endpoint.family() == family && rule.vip.family() == family) hairpins.push_back(rule);
  }
  std::sort(hairpins.begin(), hairpins.end());
  hairpins.erase(std::unique(hairpins.begin(), hairpins.end()), hairpins.end());
  std::vector<std::string> hairpin_chain;
  for (const auto& rule : hairpins) {
    hairpin_chain.push_back("-s " + Host(rule.endpoint) + " -d " + Host(rule.endpoint) + " -p " +
                            LowerProtocol(rule.protocol) + " -m ipvs --vaddr " +
                            rule.vip.ToString() + " --vport " + std::to_string(rule.port) +
                            " -j SNAT --to-source " + rule.vip.ToString());
  }

  std::vector<std::string> postrouting;
  if (!hairpin_chain.empty()) postrouting.push_back(std::string("-j ") + kHairpinChain);
  for (auto& rule : SnatRules(settings, family)) postrouting.push_back(std::move(rule));
  if (!postrouting.empty()) {
    iptables::DesiredTable& nat = rules["nat"];
    nat.chains[kPostroutingChain] = std::move(postrouting);
    if (!hairpin_chain.empty()) nat.chains[kHairpinChain] = std::move(hairpin_chain);
    nat.jumps.push_back(
        {"POSTROUTING",
         iptables::MakeJumpRule(owner, "postrouting", "-m ipvs --vdir ORIGINAL", kPostroutingChain),
         iptables::JumpRule::Position::kFirst});
  }

  std::vector<DsrTarget> targets;
  for (const auto& target : services.dsr_targets) {
    if (target.vip.family() == family) targets.push_back(target);
  }
  std::sort(targets.begin(), targets.end(), [](const DsrTarget& a, const DsrTarget& b) {
    return std::tie(a.vip, a.protocol, a.port, a.fwmark) <
           std::tie(b.vip, b.protocol, b.port, b.fwmark);
  });
  if (!targets.empty()) {
    std::vector<std::string> marks;
    for (const auto& target : targets) {
      const std::string protocol = LowerProtocol(target.protocol);
      marks.push_back("-d " + Host(target.vip) + " -p " + protocol + " -m " + protocol +
                      " --dport " + std::to_string(target.port) + " -j MARK --set-xmark " +
                      Hex(target.fwmark) + "/0xffffffff");
    }
    iptables::DesiredTable& mangle = rules["mangle"];
    mangle.chains[kFwmarkChain] = std::move(marks);
    for (const char* chain : {"PREROUTING", "OUTPUT"}) {
      mangle.jumps.push_back({chain, iptables::MakeJumpRule(owner, "fwmark", "", kFwmarkChain),
                              iptables::JumpRule::Position::kFirst});
    }
  }
  return rules;
}

}  // namespace kr::proxyd
