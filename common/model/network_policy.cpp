#include "common/model/network_policy.h"

#include "common/model/json_fields.h"

namespace kr::model {
namespace {

nlohmann::json RulesToJson(const std::vector<NetworkPolicyRule>& rules, const char* peers_name) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& rule : rules) {
    out.push_back(nlohmann::json{{"ports", rule.ports}, {peers_name, rule.peers}});
  }
  return out;
}

void RulesFromJson(const nlohmann::json& j, const char* field, const char* peers_name,
                   std::vector<NetworkPolicyRule>& out) {
  out.clear();
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return;
  for (const auto& item : it->get_ref<const nlohmann::json::array_t&>()) {
    RequireObject(item, "network policy rule");
    NetworkPolicyRule rule;
    ReadField(item, "ports", rule.ports);
    ReadField(item, peers_name, rule.peers);
    out.push_back(std::move(rule));
  }
}

}  // namespace

void to_json(nlohmann::json& j, const IpBlock& v) {
  j = nlohmann::json{{"cidr", v.cidr}, {"except", v.except}};
}

void from_json(const nlohmann::json& j, IpBlock& v) {
  RequireObject(j, "ipBlock");
  ReadField(j, "cidr", v.cidr);
  ReadField(j, "except", v.except);
}

void to_json(nlohmann::json& j, const NetworkPolicyPeer& v) {
  j = nlohmann::json::object();
  if (v.pod_selector) j["podSelector"] = *v.pod_selector;
  if (v.namespace_selector) j["namespaceSelector"] = *v.namespace_selector;
  if (v.ip_block) j["ipBlock"] = *v.ip_block;
}

void from_json(const nlohmann::json& j, NetworkPolicyPeer& v) {
  RequireObject(j, "network policy peer");
  ReadField(j, "podSelector", v.pod_selector);
  ReadField(j, "namespaceSelector", v.namespace_selector);
  ReadField(j, "ipBlock", v.ip_block);
}

void to_json(nlohmann::json& j, const NetworkPolicyPort& v) {
  j = nlohmann::json{{"protocol", v.protocol}};
  if (v.port) j["port"] = *v.port;
  if (v.end_port) j["endPort"] = *v.end_port;
}

void from_json(const nlohmann::json& j, NetworkPolicyPort& v) {
  RequireObject(j, "network policy port");
  ReadField(j, "protocol", v.protocol);
  ReadField(j, "port", v.port);
  ReadField(j, "endPort", v.end_port);
}

void to_json(nlohmann::json& j, const NetworkPolicy& v) {
  j = nlohmann::json{{"namespace", v.ns},
                     {"name", v.name},
                     {"podSelector", v.pod_selector},
                     {"policyTypes", v.policy_types},
                     {"ingress", RulesToJson(v.ingress, "from")},
                     {"egress", RulesToJson(v.egress, "to")}};
}

void from_json(const nlohmann::json& j, NetworkPolicy& v) {
  RequireObject(j, "network policy");
  ReadField(j, "namespace", v.ns);
  ReadField(j, "name", v.name);
  ReadField(j, "podSelector", v.pod_selector);
  ReadField(j, "policyTypes", v.policy_types);
  RulesFromJson(j, "ingress", "from", v.ingress);
  RulesFromJson(j, "egress", "to", v.egress);
}

}  // namespace kr::model
