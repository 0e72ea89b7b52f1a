#include "services/routed/egress/egress_rules.h"

#include <string>

#include "common/ipset/ipset_member.h"
#include "common/log/log.h"
#include "services/routed/egress/egress_names.h"

namespace kr::routed::egress {
namespace {

bool IsV6(iptables::IpFamily family) {
  return family == iptables::IpFamily::kIPv6;
}

std::string PodSubnetsSet(iptables::IpFamily family) {
  return IsV6(family) ? kPodSubnetsSetV6 : kPodSubnetsSetV4;
}

std::string NodeIpsSet(iptables::IpFamily family) {
  return IsV6(family) ? kNodeIpsSetV6 : kNodeIpsSetV4;
}

ipset::SetContent EmptySet(const std::string& name, ipset::SetType type,
                           iptables::IpFamily family) {
  ipset::SetContent set;
  set.spec.name = name;
  set.spec.type = type;
  set.spec.family = IsV6(family) ? ipset::Family::kInet6 : ipset::Family::kInet;
  return set;
}

// Inserts the canonical form; the inputs are parsed addresses, so this cannot fail short of a
// broken invariant.
void Insert(ipset::SetContent& set, const std::string& member) {
  Expected<std::string> canonical = ipset::CanonicalMember(set.spec.type, set.spec.family, member);
  KR_CHECK(canonical.ok()) << set.spec.name << " " << member << ": " << canonical.error().message;
  set.members.insert(std::move(*canonical));
}

}  // namespace

void ClusterAddresses::AddNode(const model::Node& node) {
  for (const std::string& text : node.pod_cidrs) {
    Expected<route::IpPrefix> cidr = route::IpPrefix::Parse(text);
    if (!cidr.ok()) {
      KR_LOG(WARNING) << "pod egress: node " << node.name << ": pod CIDR \"" << text
                      << "\" skipped: " << cidr.error().message;
      continue;
    }
    pod_cidrs.push_back(*cidr);
  }
  for (const model::NodeAddress& address : node.addresses) {
    if (address.type != "InternalIP" && address.type != "ExternalIP") continue;
    Expected<route::IpAddress> ip = route::IpAddress::Parse(address.address);
    if (!ip.ok()) {
      KR_LOG(WARNING) << "pod egress: node " << node.name << ": " << address.type << " \""
                      << address.address << "\" skipped: " << ip.error().message;
      continue;
    }
    node_ips.push_back(*ip);
  }
}

std::string MasqueradeRule(iptables::IpFamily family, bool random_fully) {
  const std::string pods = PodSubnetsSet(family);
  std::string rule = "-m set --match-set " + pods + " src -m set ! --match-set " + pods +
                     " dst -m set ! --match-set " + NodeIpsSet(family) + " dst -j MASQUERADE";
  if (random_fully) rule += " --random-fully";
  return rule;
}

DesiredEgress BuildDesiredEgress(const EgressOptions& options, const ClusterAddresses& addresses) {
  DesiredEgress desired;
  if (!options.enabled) return desired;
  const iptables::Owner owner = EgressOwner();
  for (const iptables::IpFamily family : {iptables::IpFamily::kIPv4, iptables::IpFamily::kIPv6}) {
    if (!(IsV6(family) ? options.ipv6 : options.ipv4)) continue;
    const int af = IsV6(family) ? AF_INET6 : AF_INET;
    ipset::SetContent pods = EmptySet(PodSubnetsSet(family), ipset::SetType::kHashNet, family);
    ipset::SetContent nodes = EmptySet(NodeIpsSet(family), ipset::SetType::kHashIp, family);
    for (const route::IpPrefix& cidr : addresses.pod_cidrs) {
      if (cidr.family() == af) Insert(pods, cidr.ToString());
    }
    for (const route::IpAddress& ip : addresses.node_ips) {
      if (ip.family() == af) Insert(nodes, ip.ToString());
    }
    desired.sets.push_back(std::move(pods));
    desired.sets.push_back(std::move(nodes));

    iptables::DesiredTable& nat = desired.rules[IsV6(family) ? 1 : 0]["nat"];
    nat.chains[kEgressChain] = {MasqueradeRule(family, options.random_fully)};
    nat.jumps.push_back(iptables::JumpRule{"POSTROUTING",
                                           iptables::MakeJumpRule(owner, kJumpId, "", kEgressChain),
                                           iptables::JumpRule::Position::kLast});
  }
  return desired;
}

}  // namespace kr::routed::egress
