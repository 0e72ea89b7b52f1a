#include "common/iptables/restore_interpreter.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "common/iptables/restore_failure.h"
#include "common/iptables/rule_text.h"

namespace kr::iptables {
namespace {

std::optional<Table> BuiltinTable(std::string_view name) {
  auto make = [&](std::initializer_list<const char*> chains) {
    Table table{std::string(name), {}};
    for (const char* chain : chains) table.chains.push_back(Chain{chain, true, {}});
    return table;
  };
  if (name == "filter") return make({"INPUT", "FORWARD", "OUTPUT"});
  if (name == "nat") return make({"PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"});
  if (name == "mangle") return make({"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"});
  if (name == "raw") return make({"PREROUTING", "OUTPUT"});
  if (name == "security") return make({"INPUT", "FORWARD", "OUTPUT"});
  return std::nullopt;
}

// Targets that are extensions rather than chains.
bool IsExtensionTarget(std::string_view target) {
  static const std::set<std::string_view> kTargets{
      "ACCEPT",   "DROP", "RETURN",     "REJECT",   "LOG",     "NFLOG", "MARK",    "CONNMARK",
      "SNAT",     "DNAT", "MASQUERADE", "REDIRECT", "NOTRACK", "CT",    "SET",     "TCPMSS",
      "CHECKSUM", "TEE",  "NFQUEUE",    "QUEUE",    "TRACE",   "AUDIT", "CLASSIFY"};
  return kTargets.count(target) != 0;
}

std::optional<std::string> JumpTarget(const std::vector<std::string>& args) {
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "-j" || args[i] == "-g" || args[i] == "--jump" || args[i] == "--goto") {
      return args[i + 1];
    }
  }
  return std::nullopt;
}

// A table being edited, with a name index (tables hold thousands of chains).
class TableEditor {
 public:
  TableEditor(Table& table, RestoreChecks checks) : table_(table), checks_(checks) { Reindex(); }

  std::optional<std::string> Apply(std::string_view line);

 private:
  Chain* Find(std::string_view name) {
    auto it = index_.find(std::string(name));
    return it == index_.end() ? nullptr : &table_.chains[it->second];
  }
  void Add(Chain chain) {
    index_.emplace(chain.name, table_.chains.size());
    table_.chains.push_back(std::move(chain));
  }
  void Erase(const std::string& name) {
    table_.chains.erase(table_.chains.begin() + static_cast<std::ptrdiff_t>(index_.at(name)));
    Reindex();
  }
  void Reindex() {
    index_.clear();
    for (std::size_t i = 0; i < table_.chains.size(); ++i) index_.emplace(table_.chains[i].name, i);
  }
  bool Referenced(std::string_view chain) const {
    for (const Chain& c : table_.chains) {
      for (const std::string& rule : c.rules) {
        auto args = TokenizeRule(rule);
        if (args && JumpTarget(*args) == chain) return true;
      }
    }
    return false;
  }
  bool Checked() const { return checks_ == RestoreChecks::kLikeKernel; }

  Table& table_;
  RestoreChecks checks_;
  std::unordered_map<std::string, std::size_t> index_;
};

std::optional<std::string> TableEditor::Apply(std::string_view line) {
  if (line[0] == ':') {
    auto args = TokenizeRule(line.substr(1));
    if (!args || args->size() < 2) return "malformed chain line";
    const std::string& name = (*args)[0];
    if (Chain* chain = Find(name)) {
      if (!chain->builtin) chain->rules.clear();  // --noflush: declaring flushes
      return std::nullopt;
    }
    if ((*args)[1] != "-") return "Chain '" + name + "' is not a built-in chain";
    Add(Chain{name, false, {}});
    return std::nullopt;
  }
  auto args = TokenizeRule(line);
  if (!args || args->size() < 2) return "malformed command";
  const std::string command = (*args)[0];
  Chain* chain = Find((*args)[1]);
  std::vector<std::string> spec(args->begin() + 2, args->end());
  if (command == "-N") {
    if (chain != nullptr) return "Chain already exists";
    Add(Chain{(*args)[1], false, {}});
    return std::nullopt;
  }
  if (chain == nullptr) return "Chain '" + (*args)[1] + "' does not exist";
  if (command == "-F") {
    chain->rules.clear();
    return std::nullopt;
  }
  if (command == "-X") {
    if (chain->builtin) return "Can't delete built-in chain";
    if (Checked() && !chain->rules.empty()) return "Directory not empty";
    if (Checked() && Referenced(chain->name)) return "Too many links";
    Erase(chain->name);
    return std::nullopt;
  }
  std::optional<std::size_t> position;
  if ((command == "-I" || command == "-D") && !spec.empty()) {
    std::size_t n = 0;
    const std::string& first = spec[0];
    auto [end, ec] = std::from_chars(first.data(), first.data() + first.size(), n);
    if (ec == std::errc() && end == first.data() + first.size()) {
      if (n == 0) return "Invalid rule number";
      position = n;
      spec.erase(spec.begin());
    }
  }
  std::string rule = JoinRule(spec);
  std::vector<std::string>& rules = chain->rules;
  if (command == "-D") {
    if (position) {
      if (*position > rules.size()) return "Index of deletion too big";
      rules.erase(rules.begin() + static_cast<std::ptrdiff_t>(*position - 1));
      return std::nullopt;
    }
    auto it = std::find(rules.begin(), rules.end(), rule);
    if (it == rules.end()) return "Bad rule (does a matching rule exist in that chain?)";
    rules.erase(it);
    return std::nullopt;
  }
  if (command != "-A" && command != "-I") return "unknown command " + command;
  if (auto target = JumpTarget(spec);
      Checked() && target && !IsExtensionTarget(*target) && Find(*target) == nullptr) {
    return "Couldn't load target `" + *target + "':No such file or directory";
  }
  if (command == "-A") {
    rules.push_back(std::move(rule));
    return std::nullopt;
  }
  std::size_t at = position.value_or(1);
  if (at > rules.size() + 1) return "Index of insertion too big";
  rules.insert(rules.begin() + static_cast<std::ptrdiff_t>(at - 1), std::move(rule));
  return std::nullopt;
}

}  // namespace

Status ApplyRestorePayload(Ruleset& ruleset, std::string_view payload, std::string_view tool,
                           RestoreChecks checks) {
  const bool transactional = checks == RestoreChecks::kLikeKernel;
  std::optional<Table> scratch;  // transactional: the copy being edited
  Table* editing = nullptr;      // the table the section edits
  std::optional<TableEditor> editor;
  int line_no = 0;
  std::size_t pos = 0;
  auto fail = [&](const std::string& why) {
    return RestoreError(
        tool, 2,
        std::string(tool) + ": " + why + "\nError occurred at line: " + std::to_string(line_no),
        payload);
  };
  while (pos < payload.size()) {
    auto end = payload.find('\n', pos);
    if (end == std::string_view::npos) end = payload.size();
    std::string_view line = payload.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '*') {
      if (editing != nullptr) return fail("table not committed");
      std::string_view name = line.substr(1);
      Table* existing = ruleset.FindTable(name);
      if (existing == nullptr) {
        auto fresh = BuiltinTable(name);
        if (!fresh) return fail("can't initialize iptables table `" + std::string(name) + "'");
        ruleset.tables.push_back(std::move(*fresh));
        existing = &ruleset.tables.back();
        if (transactional) {
          // A refused section must not leave the new table behind either.
          scratch = std::move(*existing);
          ruleset.tables.pop_back();
          editing = &*scratch;
          editor.emplace(*editing, checks);
          continue;
        }
      }
      if (transactional) {
        scratch = *existing;
        editing = &*scratch;
      } else {
        editing = existing;
      }
      editor.emplace(*editing, checks);
      continue;
    }
    if (editing == nullptr) return fail("no table selected");
    if (line == "COMMIT") {
      if (transactional) {
        if (Table* existing = ruleset.FindTable(scratch->name)) {
          *existing = std::move(*scratch);
        } else {
          ruleset.tables.push_back(std::move(*scratch));
        }
        scratch.reset();
      }
      editor.reset();
      editing = nullptr;
      continue;
    }
    if (auto error = editor->Apply(line)) return fail(*error);
  }
  if (editing != nullptr) return fail("COMMIT expected");
  return {};
}

}  // namespace kr::iptables
