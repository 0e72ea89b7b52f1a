// NetworkPolicy, proto/schemas/networkpolicy.v1.schema.json: the complete v1 spec.
//
// Presence matters for peers: a peer's podSelector that is absent differs from one that is
// present and empty, so those are std::optional. policyTypes is always filled in by the
// publisher (the API server's defaulting).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/model/common_types.h"
#include "common/model/schema_version.h"

namespace kr::model {

struct IpBlock {
  std::string cidr;
  std::vector<std::string> except;
  bool operator==(const IpBlock&) const = default;
};

struct NetworkPolicyPeer {
  std::optional<LabelSelector> pod_selector;
  std::optional<LabelSelector> namespace_selector;
  std::optional<IpBlock> ip_block;
  bool operator==(const NetworkPolicyPeer&) const = default;
};

struct NetworkPolicyPort {
  std::string protocol = "TCP";
  std::optional<IntOrString> port;  // absent: every port of the protocol
  std::optional<int32_t> end_port;  // with a numeric port: the range [port, end_port]
  bool operator==(const NetworkPolicyPort&) const = default;
};

// An empty ports list matches every port; an empty peers list matches every peer.
struct NetworkPolicyRule {
  std::vector<NetworkPolicyPort> ports;
  std::vector<NetworkPolicyPeer> peers;  // "from" (ingress) or "to" (egress) on the wire
  bool operator==(const NetworkPolicyRule&) const = default;
};

struct NetworkPolicy {
  static constexpr SchemaVersion kSchema{1, 0};

  std::string ns;  // "namespace" on the wire
  std::string name;
  LabelSelector pod_selector;
  std::vector<std::string> policy_types;  // Ingress, Egress
  std::vector<NetworkPolicyRule> ingress;
  std::vector<NetworkPolicyRule> egress;

  std::string Key() const { return NamespacedKey(ns, name); }
  bool operator==(const NetworkPolicy&) const = default;
};

constexpr auto WireSchemaOf(const IpBlock*) {
  using T = IpBlock;
  return WireSchema<T>("ipBlock", Member("cidr", &T::cidr), Member("except", &T::except));
}

constexpr auto WireSchemaOf(const NetworkPolicyPeer*) {
  using T = NetworkPolicyPeer;
  return WireSchema<T>("network policy peer", Member("podSelector", &T::pod_selector),
                       Member("namespaceSelector", &T::namespace_selector),
                       Member("ipBlock", &T::ip_block));
}

constexpr auto WireSchemaOf(const NetworkPolicyPort*) {
  using T = NetworkPolicyPort;
  return WireSchema<T>("network policy port", Member("protocol", &T::protocol),
                       Member("port", &T::port), Member("endPort", &T::end_port));
}

// A rule's peers are "from" in ingress rules and "to" in egress rules, so the rule lists are
// fields of their own kind that know the peers' wire name.
struct RuleListField {
  const char* name;
  const char* peers_name;
  std::vector<NetworkPolicyRule> NetworkPolicy::*member;
};
bool ReadFieldIfNamed(TokenReader& reader, const RuleListField& field, const std::string& key,
                      NetworkPolicy& out);
void WriteField(nlohmann::json& object, const RuleListField& field, const NetworkPolicy& value);
void EncodeField(std::string& out, const RuleListField& field, const NetworkPolicy& value);

constexpr auto WireSchemaOf(const NetworkPolicy*) {
  using T = NetworkPolicy;
  return WireSchema<T>(
      "network policy", Member("namespace", &T::ns), Member("name", &T::name),
      Member("podSelector", &T::pod_selector), Member("policyTypes", &T::policy_types),
      RuleListField{"ingress", "from", &T::ingress}, RuleListField{"egress", "to", &T::egress});
}

}  // namespace kr::model
