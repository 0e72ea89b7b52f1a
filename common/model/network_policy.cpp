#include "common/model/network_policy.h"

namespace kr::model {

bool ReadFieldIfNamed(TokenReader& reader, const RuleListField& field, const std::string& key,
                      NetworkPolicy& out) {
  if (key != field.name) return false;
  std::vector<NetworkPolicyRule>& rules = out.*field.member;
  rules.clear();
  if (reader.TakeNull()) return true;
  reader.BeginArray(field.name);
  std::string rule_key;
  while (!reader.AtArrayEnd()) {
    NetworkPolicyRule& rule = rules.emplace_back();
    reader.BeginObject("network policy rule");
    while (reader.NextKey(rule_key)) {
      if (reader.TakeNull()) continue;
      if (rule_key == "ports") {
        ReadValue(reader, rule.ports, "ports");
      } else if (rule_key == field.peers_name) {
        ReadValue(reader, rule.peers, field.peers_name);
      } else {
        reader.Skip();
      }
    }
  }
  return true;
}

void WriteField(nlohmann::json& object, const RuleListField& field, const NetworkPolicy& value) {
  nlohmann::json rules = nlohmann::json::array();
  for (const NetworkPolicyRule& rule : value.*field.member) {
    rules.push_back(nlohmann::json{{"ports", rule.ports}, {field.peers_name, rule.peers}});
  }
  object[field.name] = std::move(rules);
}

// Each rule is the object {"ports": ..., <peers_name>: ...}, its keys in map order as in
// WriteField.
void EncodeField(std::string& out, const RuleListField& field, const NetworkPolicy& value) {
  const std::string_view peers_name = field.peers_name;
  const bool peers_first = peers_name < std::string_view("ports");
  cbor::WriteText(out, field.name);
  const std::vector<NetworkPolicyRule>& rules = value.*field.member;
  cbor::WriteHead(out, cbor::Major::kArray, rules.size());
  for (const NetworkPolicyRule& rule : rules) {
    cbor::WriteHead(out, cbor::Major::kMap, 2);
    if (peers_first) {
      cbor::WriteText(out, peers_name);
      EncodeValue(out, rule.peers);
    }
    cbor::WriteText(out, "ports");
    EncodeValue(out, rule.ports);
    if (!peers_first) {
      cbor::WriteText(out, peers_name);
      EncodeValue(out, rule.peers);
    }
  }
}

}  // namespace kr::model
