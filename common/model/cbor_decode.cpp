#include "common/model/cbor_decode.h"

namespace kr::model {

bool ReadCbor(CborReader& reader, std::map<std::string, std::string>& out, const char* what) {
  out.clear();
  size_t count = 0;
  if (!reader.ReadMapHead(count, what)) return false;
  for (; count > 0; --count) {
    std::string_view key;
    std::string_view value;
    if (!reader.ReadKey(key) || !reader.ReadText(value, what)) return false;
    // Bodies hold keys in map order, so the end is the right hint; a later duplicate wins.
    out.insert_or_assign(out.end(), std::string(key), std::string(value));
  }
  return true;
}

bool ReadCbor(CborReader& reader, IntOrString& out, const char* what) {
  if (reader.AtText()) {
    out.number = 0;
    return ReadCbor(reader, out.name, what);
  }
  if (reader.AtInteger()) {
    out.name.clear();
    return reader.ReadInt32(out.number, what);
  }
  return reader.WrongType(what, "an integer or a string");
}

// Each rule is {"ports": [...], <peers_name>: [...]}; other keys and null values are skipped.
bool ReadCborField(CborReader& reader, const RuleListField& field, NetworkPolicy& out) {
  std::vector<NetworkPolicyRule>& rules = out.*field.member;
  rules.clear();
  if (reader.TakeNull()) return true;
  size_t count = 0;
  if (!reader.ReadArrayHead(count, field.name)) return false;
  const std::string_view peers_name = field.peers_name;
  for (; count > 0; --count) {
    NetworkPolicyRule& rule = rules.emplace_back();
    size_t keys = 0;
    if (!reader.ReadMapHead(keys, "network policy rule")) return false;
    for (; keys > 0; --keys) {
      std::string_view key;
      if (!reader.ReadKey(key)) return false;
      if (reader.TakeNull()) continue;
      if (key == "ports") {
        ReadCbor(reader, rule.ports, "ports");
      } else if (key == peers_name) {
        ReadCbor(reader, rule.peers, field.peers_name);
      } else {
        reader.Skip();
      }
      if (!reader.ok()) return false;
    }
  }
  return true;
}

}  // namespace kr::model
