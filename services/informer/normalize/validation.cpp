#include "services/informer/normalize/validation.h"

#include <arpa/inet.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cstring>

namespace kr::informer {
namespace {

struct ParsedIp {
  int family = 0;
  std::array<unsigned char, 16> bytes{};
  int bits() const { return family == AF_INET ? 32 : 128; }
};

bool ParseIp(const std::string& text, ParsedIp& out) {
  if (inet_pton(AF_INET, text.c_str(), out.bytes.data()) == 1) {
    out.family = AF_INET;
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), out.bytes.data()) == 1) {
    out.family = AF_INET6;
    return true;
  }
  return false;
}

std::string Format(const ParsedIp& ip) {
  char buffer[INET6_ADDRSTRLEN];
  inet_ntop(ip.family, ip.bytes.data(), buffer, sizeof buffer);
  return buffer;
}

bool ParseCidr(const std::string& text, ParsedIp& ip, int& prefix) {
  const size_t slash = text.find('/');
  if (slash == std::string::npos) return false;
  if (!ParseIp(text.substr(0, slash), ip)) return false;
  const char* begin = text.data() + slash + 1;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, prefix);
  return ec == std::errc() && ptr == end && begin != end && prefix >= 0 && prefix <= ip.bits();
}

// ASCII only, whatever the locale (and without a call per character).
bool IsLower(char c) {
  return c >= 'a' && c <= 'z';
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsAlnumLower(char c) {
  return IsLower(c) || IsDigit(c);
}
bool IsAlnum(char c) {
  return IsAlnumLower(c) || (c >= 'A' && c <= 'Z');
}

// [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?, at most `max` characters; empty allowed if asked.
bool IsQualifiedPart(const std::string& s, size_t max, bool allow_empty) {
  if (s.empty()) return allow_empty;
  if (s.size() > max || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

// A DNS-1123 subdomain: lowercase labels of [a-z0-9-] joined by dots, at most 253 characters.
bool IsDnsSubdomain(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  size_t start = 0;
  while (start <= s.size()) {
    size_t dot = s.find('.', start);
    if (dot == std::string::npos) dot = s.size();
    const std::string label = s.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || !IsAlnumLower(label.front()) ||
        !IsAlnumLower(label.back())) {
      return false;
    }
    for (char c : label) {
      if (!IsAlnumLower(c) && c != '-') return false;
    }
    start = dot + 1;
  }
  return true;
}

}  // namespace

std::string CheckIp(const std::string& text, std::string* canonical) {
  ParsedIp ip;
  if (!ParseIp(text, ip)) return "\"" + text + "\" is not an IP address";
  // inet_pton takes IPv4 only as four decimal octets without leading zeros: the text is
  // canonical already, and formatting it again (sprintf) was a visible share of a sync.
  if (canonical) *canonical = ip.family == AF_INET ? text : Format(ip);
  return {};
}

std::string CheckCidr(const std::string& text, std::string* canonical) {
  ParsedIp ip;
  int prefix = 0;
  if (!ParseCidr(text, ip, prefix)) return "\"" + text + "\" is not a CIDR";
  if (canonical) *canonical = Format(ip) + "/" + std::to_string(prefix);
  return {};
}

std::string CheckProtocol(const std::string& protocol) {
  if (protocol == "TCP" || protocol == "UDP" || protocol == "SCTP") return {};
  return "unsupported protocol \"" + protocol + "\"";
}

std::string CheckPortName(const std::string& name) {
  bool has_letter = false;
  bool valid = !name.empty() && name.size() <= 15 && name.front() != '-' && name.back() != '-' &&
               name.find("--") == std::string::npos;
  for (char c : name) {
    if (IsLower(c)) has_letter = true;
    if (!IsAlnumLower(c) && c != '-') valid = false;
  }
  if (valid && has_letter) return {};
  return "\"" + name + "\" is not a valid port name";
}

std::string CheckLabels(const std::map<std::string, std::string>& labels) {
  for (const auto& [key, value] : labels) {
    const size_t slash = key.find('/');
    const std::string prefix = slash == std::string::npos ? "" : key.substr(0, slash);
    const std::string name = slash == std::string::npos ? key : key.substr(slash + 1);
    if ((slash != std::string::npos && !IsDnsSubdomain(prefix)) ||
        !IsQualifiedPart(name, 63, false)) {
      return "label key \"" + key.substr(0, 80) + "\" is not a qualified name";
    }
    if (!IsQualifiedPart(value, 63, true)) {
      return "label " + key +
             " has an invalid value (at most 63 characters, alphanumerics, "
             "'-', '_' or '.')";
    }
  }
  return {};
}

bool CidrContains(const std::string& cidr, const std::string& inner) {
  ParsedIp outer_ip, inner_ip;
  int outer_prefix = 0, inner_prefix = 0;
  if (!ParseCidr(cidr, outer_ip, outer_prefix) || !ParseCidr(inner, inner_ip, inner_prefix) ||
      outer_ip.family != inner_ip.family || inner_prefix < outer_prefix) {
    return false;
  }
  for (int bit = 0; bit < outer_prefix; ++bit) {
    const unsigned char mask = static_cast<unsigned char>(0x80 >> (bit % 8));
    if ((outer_ip.bytes[bit / 8] & mask) != (inner_ip.bytes[bit / 8] & mask)) return false;
  }
  return true;
}

}  // namespace kr::informer
