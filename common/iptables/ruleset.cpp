#include "common/iptables/ruleset.h"

#include <unordered_map>

#include "common/iptables/rule_text.h"

namespace kr::iptables {

const Chain* Table::FindChain(std::string_view chain) const {
  for (const Chain& c : chains) {
    if (c.name == chain) return &c;
  }
  return nullptr;
}

Chain* Table::FindChain(std::string_view chain) {
  return const_cast<Chain*>(static_cast<const Table*>(this)->FindChain(chain));
}

const Table* Ruleset::FindTable(std::string_view table) const {
  for (const Table& t : tables) {
    if (t.name == table) return &t;
  }
  return nullptr;
}

Table* Ruleset::FindTable(std::string_view table) {
  return const_cast<Table*>(static_cast<const Ruleset*>(this)->FindTable(table));
}

namespace {

std::string_view Trim(std::string_view text) {
  auto start = text.find_first_not_of(" \t\r");
  if (start == std::string_view::npos) return {};
  auto end = text.find_last_not_of(" \t\r");
  return text.substr(start, end - start + 1);
}

// Splits "WORD rest" at the first blank.
std::pair<std::string_view, std::string_view> FirstWord(std::string_view text) {
  auto blank = text.find_first_of(" \t");
  if (blank == std::string_view::npos) return {text, {}};
  return {text.substr(0, blank), Trim(text.substr(blank))};
}

}  // namespace

Expected<Ruleset> ParseIptablesSave(std::string_view text) {
  Ruleset ruleset;
  Table* table = nullptr;
  // Chain name -> index in table->chains; Table::FindChain is linear and tables hold thousands.
  std::unordered_map<std::string, std::size_t> chain_index;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = Trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    auto bad = [&](const std::string& why) {
      return Error{EINVAL, "iptables-save line " + std::to_string(line_no) + ": " + why + ": " +
                               std::string(line)};
    };
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '*') {
      if (table != nullptr) return bad("table not closed by COMMIT");
      ruleset.tables.push_back(Table{std::string(line.substr(1)), {}});
      table = &ruleset.tables.back();
      chain_index.clear();
      continue;
    }
    if (table == nullptr) return bad("outside of a table");
    if (line == "COMMIT") {
      table = nullptr;
      continue;
    }
    if (line[0] == ':') {
      auto [name, rest] = FirstWord(line.substr(1));
      auto [policy, counters] = FirstWord(rest);
      if (name.empty() || policy.empty()) return bad("malformed chain line");
      if (!chain_index.emplace(std::string(name), table->chains.size()).second) {
        return bad("chain declared twice");
      }
      table->chains.push_back(Chain{std::string(name), policy != "-", {}});
      continue;
    }
    // With -c, a rule starts with its counters: "[pkts:bytes] -A CHAIN ...".
    if (line[0] == '[') {
      auto close = line.find(']');
      if (close == std::string_view::npos) return bad("malformed counters");
      line = Trim(line.substr(close + 1));
    }
    auto [command, rest] = FirstWord(line);
    if (command != "-A") return bad("unexpected command");
    auto [chain_name, spec] = FirstWord(rest);
    auto found = chain_index.find(std::string(chain_name));
    if (found == chain_index.end()) return bad("rule in undeclared chain");
    Chain* chain = &table->chains[found->second];
    auto normalized = NormalizeRule(spec);
    if (!normalized) return bad(normalized.error().message);
    chain->rules.push_back(std::move(*normalized));
  }
  if (table != nullptr)
    return Error{EINVAL, "iptables-save output ends inside table " + table->name};
  return ruleset;
}

std::string FormatIptablesSave(const Ruleset& ruleset) {
  std::string text;
  for (const Table& table : ruleset.tables) {
    text += "*" + table.name + "\n";
    for (const Chain& chain : table.chains) {
      text += ":" + chain.name + (chain.builtin ? " ACCEPT" : " -") + " [0:0]\n";
    }
    for (const Chain& chain : table.chains) {
      for (const std::string& rule : chain.rules) text += "-A " + chain.name + " " + rule + "\n";
    }
    text += "COMMIT\n";
  }
  return text;
}

}  // namespace kr::iptables
