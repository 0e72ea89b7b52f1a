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

}  // namespace kr::model
