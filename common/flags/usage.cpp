// FlagSet::Usage(): pflag's help layout.
#include <algorithm>

#include "common/flags/flag_set.h"

namespace kr::flags {
namespace {

// Go's %q for the common case: quotes, escapes backslash, quote and control characters.
std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out.push_back(c);
    }
  }
  return out + "\"";
}

struct UsageLine {
  std::string left;   // "  -v, --v int" or "      --kubeconfig path"
  std::string right;  // usage text and "(default ...)"
};

UsageLine Describe(const Flag& flag) {
  // pflag's UnquoteUsage: a `word` in backquotes names the value in the left column.
  std::string usage = flag.usage();
  std::string value_name = flag.value().TypeName();
  if (const size_t open = usage.find('`'); open != std::string::npos) {
    if (const size_t close = usage.find('`', open + 1); close != std::string::npos) {
      value_name = usage.substr(open + 1, close - open - 1);
      usage = usage.substr(0, open) + value_name + usage.substr(close + 1);
    }
  }
  UsageLine line;
  line.left = flag.shorthand() != '\0' ? std::string("  -") + flag.shorthand() + ", --"
                                       : std::string("      --");
  line.left += flag.name();
  if (!value_name.empty()) line.left += " " + value_name;
  line.right = usage;
  if (flag.default_text() != flag.value().ZeroText()) {
    line.right += " (default " +
                  (flag.value().QuoteDefault() ? Quote(flag.default_text()) : flag.default_text()) +
                  ")";
  }
  return line;
}

}  // namespace

std::string FlagSet::Usage() const {
  std::vector<UsageLine> lines;
  size_t width = 0;
  for (const auto& [name, flag] : flags_) {
    lines.push_back(Describe(*flag));
    width = std::max(width, lines.back().left.size());
  }
  const size_t column = width + 3;  // pflag: three spaces after the longest flag

  std::string out;
  if (!description_.empty()) out += program_ + ": " + description_ + "\n\n";
  out += "Usage:\n  " + program_ + " [flags]\n\nFlags:\n";
  for (const auto& line : lines) {
    out += line.left;
    out.append(column - line.left.size(), ' ');
    // Continuation lines of a multi-line usage stay in the usage column.
    for (const char c : line.right) {
      out.push_back(c);
      if (c == '\n') out.append(column, ' ');
    }
    out += "\n";
  }
  return out;
}

}  // namespace kr::flags
