#include "common/ipset/ipset_errors.h"

#include <array>
#include <cerrno>
#include <charconv>
#include <utility>

namespace kr::ipset {

int ErrnoFromIpsetMessage(std::string_view message) {
  // Ordered: more specific sentences first ("swapped: ... does not exist" is ENOENT, but
  // "type does not match" is a type mismatch).
  static constexpr std::array<std::pair<std::string_view, int>, 8> kPatterns{{
      {"type does not match", EINVAL},
      {"in use by", EBUSY},
      {"already exists", EEXIST},
      {"it's already added", EEXIST},
      {"it's not added", ENOENT},
      {"does not exist", ENOENT},
      {"maximal number of sets", ENOSPC},
      {"The set is full", ENOSPC},
  }};
  for (const auto& [pattern, err] : kPatterns) {
    if (message.find(pattern) != std::string_view::npos) return err;
  }
  return EINVAL;
}

std::optional<int> LineFromIpsetMessage(std::string_view message) {
  static constexpr std::string_view kMarker = "Error in line ";
  auto at = message.find(kMarker);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = message.substr(at + kMarker.size());
  int line = 0;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), line);
  if (ec != std::errc() || end == rest.data()) return std::nullopt;
  return line;
}

}  // namespace kr::ipset
