#include "common/flags/value_parsers.h"

#include <arpa/inet.h>

#include <limits>

namespace kr::flags {
namespace {

Error Reason(std::string message) {
  return Error{0, std::move(message)};
}

// Parses the digits of an unsigned number in Go's base-0 syntax, without a sign.
// Saturates at UINT64_MAX + signals overflow through `overflow`.
Expected<uint64_t> ParseMagnitude(std::string_view s, bool& overflow) {
  overflow = false;
  unsigned base = 10;
  if (s.size() > 1 && s[0] == '0') {
    const char p = s[1];
    if (p == 'x' || p == 'X') {
      base = 16;
      s.remove_prefix(2);
    } else if (p == 'o' || p == 'O') {
      base = 8;
      s.remove_prefix(2);
    } else if (p == 'b' || p == 'B') {
      base = 2;
      s.remove_prefix(2);
    } else {
      base = 8;
      s.remove_prefix(1);
    }
  }
  if (s.empty()) return Reason("not a number");
  uint64_t value = 0;
  for (const char c : s) {
    unsigned digit;
    if (c >= '0' && c <= '9') {
      digit = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<unsigned>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      digit = static_cast<unsigned>(c - 'A' + 10);
    } else {
      return Reason("not a number");
    }
    if (digit >= base) return Reason("not a number");
    if (value > (std::numeric_limits<uint64_t>::max() - digit) / base) {
      overflow = true;
      value = std::numeric_limits<uint64_t>::max();
    } else if (!overflow) {
      value = value * base + digit;
    }
  }
  return value;
}

std::string RangeMessage(std::string_view type_name, const std::string& min,
                         const std::string& max) {
  return "value out of range for " + std::string(type_name) + " (" + min + " to " + max + ")";
}

}  // namespace

Expected<bool> ParseBool(std::string_view text) {
  if (text == "1" || text == "t" || text == "T" || text == "TRUE" || text == "true" ||
      text == "True") {
    return true;
  }
  if (text == "0" || text == "f" || text == "F" || text == "FALSE" || text == "false" ||
      text == "False") {
    return false;
  }
  return Reason("not a boolean (use true or false)");
}

Expected<int64_t> ParseSigned(std::string_view text, int64_t min, int64_t max,
                              std::string_view type_name) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  bool overflow = false;
  auto magnitude = ParseMagnitude(s, overflow);
  if (!magnitude.ok()) return magnitude.error();
  const std::string range = RangeMessage(type_name, std::to_string(min), std::to_string(max));
  // Compare magnitudes as unsigned so INT64_MIN stays representable.
  const uint64_t limit =
      negative ? uint64_t{0} - static_cast<uint64_t>(min) : static_cast<uint64_t>(max);
  if (overflow || *magnitude > limit || (negative && min >= 0 && *magnitude != 0)) {
    return Reason(range);
  }
  if (negative) return static_cast<int64_t>(uint64_t{0} - *magnitude);
  return static_cast<int64_t>(*magnitude);
}

Expected<uint64_t> ParseUnsigned(std::string_view text, uint64_t max, std::string_view type_name) {
  if (!text.empty() && text[0] == '-') {
    bool overflow = false;
    if (ParseMagnitude(text.substr(1), overflow).ok()) {
      return Reason(RangeMessage(type_name, "0", std::to_string(max)));
    }
    return Reason("not a number");
  }
  bool overflow = false;
  auto value = ParseMagnitude(text, overflow);
  if (!value.ok()) return value.error();
  if (overflow || *value > max) return Reason(RangeMessage(type_name, "0", std::to_string(max)));
  return *value;
}

Expected<std::string> ParseIp(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  const std::string s(text);
  unsigned char bytes[16];
  char canonical[INET6_ADDRSTRLEN];
  for (const int family : {AF_INET, AF_INET6}) {
    if (::inet_pton(family, s.c_str(), bytes) == 1 &&
        ::inet_ntop(family, bytes, canonical, sizeof canonical) != nullptr) {
      return std::string(canonical);
    }
  }
  return Reason("not an IPv4 or IPv6 address");
}

Expected<std::vector<std::string>> SplitCsv(std::string_view text) {
  std::vector<std::string> fields;
  if (text.empty()) return fields;
  size_t i = 0;
  while (true) {
    std::string field;
    if (i < text.size() && text[i] == '"') {
      ++i;
      while (true) {
        if (i >= text.size()) return Reason("unterminated quote");
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field.push_back(text[i++]);
      }
      if (i < text.size() && text[i] != ',') return Reason("text after a closing quote");
    } else {
      while (i < text.size() && text[i] != ',') {
        if (text[i] == '"') return Reason("bare \" in an unquoted field");
        field.push_back(text[i++]);
      }
    }
    fields.push_back(std::move(field));
    if (i >= text.size()) break;
    ++i;  // the comma
  }
  return fields;
}

}  // namespace kr::flags
