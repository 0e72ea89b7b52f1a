#include "common/ipset/ipset_save_parser.h"

#include <map>
#include <string>

namespace kr::ipset {
namespace {

std::vector<std::string_view> SplitWords(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t pos = 0;
  while (pos < line.size()) {
    auto start = line.find_first_not_of(" \t\r", pos);
    if (start == std::string_view::npos) break;
    auto end = line.find_first_of(" \t\r", start);
    if (end == std::string_view::npos) end = line.size();
    words.push_back(line.substr(start, end - start));
    pos = end;
  }
  return words;
}

}  // namespace

Expected<std::vector<SetContent>> ParseIpsetSave(std::string_view text,
                                                 std::string_view name_prefix) {
  std::vector<SetContent> sets;
  std::map<std::string, std::size_t, std::less<>> index;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    auto words = SplitWords(line);
    if (words.empty()) continue;
    auto bad = [&](std::string why) {
      return Error{EINVAL, "ipset save line " + std::to_string(line_no) + ": " + why};
    };
    if (words.size() < 3) return bad("too few words");
    std::string_view name = words[1];
    if (name.substr(0, name_prefix.size()) != name_prefix) continue;
    if (words[0] == "create") {
      auto type = ParseSetType(words[2]);
      std::optional<Family> family = Family::kInet;
      for (std::size_t i = 3; i + 1 < words.size(); ++i) {
        if (words[i] == "family") family = ParseFamily(words[i + 1]);
      }
      if (!type || !family) {
        return Error{EPROTONOSUPPORT, "ipset set " + std::string(name) + " has type " +
                                          std::string(words[2]) + ", which is not supported"};
      }
      index.emplace(std::string(name), sets.size());
      sets.push_back(SetContent{SetSpec{std::string(name), *type, *family}, {}});
    } else if (words[0] == "add") {
      auto it = index.find(name);
      if (it == index.end()) return bad("member of unknown set " + std::string(name));
      sets[it->second].members.emplace(words[2]);
    } else {
      return bad("unknown command " + std::string(words[0]));
    }
  }
  return sets;
}

}  // namespace kr::ipset
