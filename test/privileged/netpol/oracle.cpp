#include "test/privileged/netpol/oracle.h"

#include <arpa/inet.h>

#include <algorithm>

namespace kr::netpol_test {
namespace {

bool LabelsMatch(const model::LabelSelector& selector, const model::StringMap& labels) {
  for (const auto& [key, value] : selector.match_labels) {
    if (!labels.count(key) || labels.at(key) != value) return false;
  }
  for (const auto& req : selector.match_expressions) {
    bool has = labels.count(req.key) != 0;
    bool listed = has && std::count(req.values.begin(), req.values.end(), labels.at(req.key));
    if (req.op == "In" && !listed) return false;
    if (req.op == "NotIn" && listed) return false;
    if (req.op == "Exists" && !has) return false;
    if (req.op == "DoesNotExist" && has) return false;
  }
  return true;
}

bool InCidr(const std::string& ip, const std::string& cidr) {
  auto slash = cidr.find('/');
  const int family = ip.find(':') == std::string::npos ? AF_INET : AF_INET6;
  unsigned char net[16] = {}, addr[16] = {};
  if (inet_pton(family, cidr.substr(0, slash).c_str(), net) != 1) return false;
  if (inet_pton(family, ip.c_str(), addr) != 1) return false;
  int bits = family == AF_INET ? 32 : 128;
  int len = slash == std::string::npos ? bits : std::stoi(cidr.substr(slash + 1));
  for (int bit = 0; bit < len; ++bit) {
    if (((net[bit / 8] ^ addr[bit / 8]) >> (7 - bit % 8)) & 1) return false;
  }
  return true;
}

// Whether text is an address or CIDR of either family (what the API server would accept).
bool ValidCidr(const std::string& cidr) {
  auto slash = cidr.find('/');
  unsigned char bytes[16] = {};
  int bits = 0;
  if (inet_pton(AF_INET, cidr.substr(0, slash).c_str(), bytes) == 1) {
    bits = 32;
  } else if (inet_pton(AF_INET6, cidr.substr(0, slash).c_str(), bytes) == 1) {
    bits = 128;
  } else {
    return false;
  }
  if (slash == std::string::npos) return true;
  const std::string len = cidr.substr(slash + 1);
  if (len.empty() || len.size() > 3 || len.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  return std::stoi(len) <= bits;
}

bool HasType(const model::NetworkPolicy& policy, const std::string& type) {
  return std::count(policy.policy_types.begin(), policy.policy_types.end(), type) != 0;
}

bool Selects(const model::NetworkPolicy& policy, const model::Pod& pod) {
  return policy.ns == pod.ns && LabelsMatch(policy.pod_selector, pod.labels);
}

bool PeerMatches(const OracleWorld& world, const model::NetworkPolicy& policy,
                 const model::NetworkPolicyPeer& peer, const Endpoint& other) {
  if (peer.ip_block) {
    // The API rejects a policy with a malformed except; the firewall drops such a peer
    // rather than ignore the except (which would allow what the policy excludes).
    if (!ValidCidr(peer.ip_block->cidr)) return false;
    for (const auto& except : peer.ip_block->except) {
      if (!ValidCidr(except)) return false;
    }
    if (!InCidr(other.ip, peer.ip_block->cidr)) return false;
    for (const auto& except : peer.ip_block->except) {
      if (InCidr(other.ip, except)) return false;
    }
    return true;
  }
  if (other.pod == nullptr) return false;
  if (peer.namespace_selector) {
    model::StringMap labels;
    if (world.namespaces.count(other.pod->ns)) labels = world.namespaces.at(other.pod->ns).labels;
    labels["kubernetes.io/metadata.name"] = other.pod->ns;
    if (!LabelsMatch(*peer.namespace_selector, labels)) return false;
  } else if (other.pod->ns != policy.ns) {
    return false;
  }
  return !peer.pod_selector || LabelsMatch(*peer.pod_selector, other.pod->labels);
}

// Named ports resolve on the connection's destination pod.
bool PortMatches(const model::NetworkPolicyPort& rule_port, const Endpoint& dst, int port,
                 const std::string& protocol) {
  if (rule_port.protocol != protocol) return false;
  if (!rule_port.port) return true;
  if (!rule_port.port->is_name()) {
    int first = rule_port.port->number;
    return port == first || (rule_port.end_port && first <= port && port <= *rule_port.end_port);
  }
  if (dst.pod == nullptr) return false;
  for (const auto& container_port : dst.pod->ports) {
    if (container_port.name == rule_port.port->name && container_port.protocol == protocol) {
      return container_port.container_port == port;
    }
  }
  return false;
}

// Whether `self` may talk (egress) or be talked to (ingress) with `other` on port/protocol.
bool DirectionAllows(const OracleWorld& world, const Endpoint& self, const Endpoint& other,
                     const Endpoint& dst, bool ingress, int port, const std::string& protocol) {
  if (self.pod == nullptr) return true;
  bool isolated = false;
  bool allowed = false;
  for (const auto& [key, policy] : world.policies) {
    if (!HasType(policy, ingress ? "Ingress" : "Egress") || !Selects(policy, *self.pod)) continue;
    isolated = true;
    for (const auto& rule : ingress ? policy.ingress : policy.egress) {
      bool peer_ok = rule.peers.empty() ||
                     std::any_of(rule.peers.begin(), rule.peers.end(), [&](const auto& peer) {
                       return PeerMatches(world, policy, peer, other);
                     });
      bool port_ok = rule.ports.empty() ||
                     std::any_of(rule.ports.begin(), rule.ports.end(), [&](const auto& p) {
                       return PortMatches(p, dst, port, protocol);
                     });
      allowed = allowed || (peer_ok && port_ok);
    }
  }
  if (ingress && world.legacy_namespace_isolation && world.namespaces.count(self.pod->ns)) {
    const auto& annotations = world.namespaces.at(self.pod->ns).annotations;
    auto it = annotations.find("net.beta.kubernetes.io/network-policy");
    isolated = isolated ||
               (it != annotations.end() && it->second.find("DefaultDeny") != std::string::npos);
  }
  return !isolated || allowed;
}

}  // namespace

bool Allowed(const OracleWorld& world, const Endpoint& src, const Endpoint& dst, int port,
             const std::string& protocol) {
  if (world.default_deny) {
    if (src.pod == nullptr && InCidr(src.ip, world.pod_cidr)) return false;
    if (dst.pod == nullptr && InCidr(dst.ip, world.pod_cidr)) return false;
  }
  return DirectionAllows(world, src, dst, dst, false, port, protocol) &&
         DirectionAllows(world, dst, src, dst, true, port, protocol);
}

}  // namespace kr::netpol_test
