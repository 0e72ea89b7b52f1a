#include "common/model/cbor_decode.h"

namespace kr::model {

// Bodies hold a map's keys in ascending order (EncodeCbor and nlohmann write std::maps), and
// consecutive objects mostly share their keys (the same labels, other values). So the body's
// pairs are merged into `out` in one ordered pass: a key already there only gets its value
// assigned, a key no longer there lends its node to the next new key, and nothing is
// allocated unless the map grows. Invariant while the keys ascend: [begin, next) holds exactly
// the pairs read so far, [next, end) old keys greater than all of them. Keys out of order (another
// encoder, or a duplicate) fall back to insert_or_assign, a later duplicate winning as in a map
// filled from scratch.
bool ReadCbor(CborReader& reader, std::map<std::string, std::string>& out, const char* what) {
  size_t count = 0;
  if (!reader.ReadMapHead(count, what)) {
    out.clear();
    return false;
  }
  auto next = out.begin();
  bool ordered = true;
  std::string_view last_key;
  std::map<std::string, std::string>::node_type spare;
  for (; count > 0; --count) {
    std::string_view key;
    std::string_view value;
    if (!reader.ReadKey(key) || !reader.ReadText(value, what)) {
      out.clear();
      return false;
    }
    if (ordered && next != out.begin() && key <= last_key) {
      out.erase(next, out.end());  // what is left is exactly the pairs read so far
      ordered = false;
    }
    if (!ordered) {
      out.insert_or_assign(std::string(key), std::string(value));
      continue;
    }
    last_key = key;  // a view into the body, which outlives this loop
    while (next != out.end() && std::string_view(next->first) < key) {
      // Not in this body: its node is reused for a new key, or freed.
      auto stale = next++;
      if (spare.empty()) {
        spare = out.extract(stale);
      } else {
        out.erase(stale);
      }
    }
    if (next != out.end() && std::string_view(next->first) == key) {
      (next++)->second.assign(value);
    } else if (!spare.empty()) {
      spare.key().assign(key);
      spare.mapped().assign(value);
      out.insert(next, std::move(spare));
      spare = {};
    } else {
      out.emplace_hint(next, std::string(key), std::string(value));
    }
  }
  if (ordered) out.erase(next, out.end());
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

// Each rule is {"ports": [...], <peers_name>: [...]}; other keys and null values are skipped. Rules
// and their lists reuse what `out` held, as every reader does.
bool ReadCborField(CborReader& reader, const RuleListField& field, NetworkPolicy& out) {
  std::vector<NetworkPolicyRule>& rules = out.*field.member;
  if (reader.TakeNull()) return false;  // reset to empty by the caller
  size_t count = 0;
  if (!reader.ReadArrayHead(count, field.name)) return false;
  const std::string_view peers_name = field.peers_name;
  size_t used = 0;
  for (; count > 0 && reader.ok(); --count, ++used) {
    NetworkPolicyRule& rule = used < rules.size() ? rules[used] : rules.emplace_back();
    bool have_ports = false;
    bool have_peers = false;
    size_t keys = 0;
    if (reader.ReadMapHead(keys, "network policy rule")) {
      for (; keys > 0; --keys) {
        std::string_view key;
        if (!reader.ReadKey(key)) break;
        if (reader.TakeNull()) continue;  // keeps an earlier value of the key, as for structs
        if (key == "ports") {
          have_ports = ReadCbor(reader, rule.ports, "ports") || have_ports;
        } else if (key == peers_name) {
          have_peers = ReadCbor(reader, rule.peers, field.peers_name) || have_peers;
        } else {
          reader.Skip();
        }
        if (!reader.ok()) break;
      }
    }
    if (!have_ports) rule.ports.clear();
    if (!have_peers) rule.peers.clear();
  }
  rules.erase(rules.begin() + static_cast<std::ptrdiff_t>(std::min(used, rules.size())),
              rules.end());
  return reader.ok();
}

}  // namespace kr::model
