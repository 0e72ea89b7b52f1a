#include "common/ipset/ipset_member.h"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <cstdint>

namespace kr::ipset {
namespace {

Error Invalid(std::string_view member, std::string_view why) {
  return Error{EINVAL, "invalid ipset member \"" + std::string(member) + "\": " + std::string(why)};
}

int AddressFamily(Family family) {
  return family == Family::kInet ? AF_INET : AF_INET6;
}
int MaxPrefix(Family family) {
  return family == Family::kInet ? 32 : 128;
}

std::optional<unsigned> ParseNumber(std::string_view text, unsigned max) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > max) {
    return std::nullopt;
  }
  return value;
}

// "addr" or "addr/len" -> canonical; with_prefix=false forbids the "/len" part.
Expected<std::string> CanonicalAddress(Family family, std::string_view text, bool with_prefix,
                                       std::string_view member) {
  std::string_view addr = text;
  int prefix = MaxPrefix(family);
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    if (!with_prefix) return Invalid(member, "a prefix length is not allowed for this set type");
    auto len = ParseNumber(text.substr(slash + 1), static_cast<unsigned>(MaxPrefix(family)));
    // The kernel's hash:net types refuse a zero prefix (IPSET_ERR_INVALID_CIDR).
    if (!len || *len == 0) return Invalid(member, "bad prefix length");
    prefix = static_cast<int>(*len);
    addr = text.substr(0, slash);
  }
  std::array<std::uint8_t, 16> bytes{};
  if (inet_pton(AddressFamily(family), std::string(addr).c_str(), bytes.data()) != 1) {
    return Invalid(
        member, std::string("not an ") + (family == Family::kInet ? "IPv4" : "IPv6") + " address");
  }
  for (int bit = prefix; bit < MaxPrefix(family); ++bit) {
    bytes[static_cast<std::size_t>(bit / 8)] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  }
  std::array<char, INET6_ADDRSTRLEN> out{};
  inet_ntop(AddressFamily(family), bytes.data(), out.data(), out.size());
  std::string result(out.data());
  if (prefix != MaxPrefix(family)) result += "/" + std::to_string(prefix);
  return result;
}

Expected<std::string> CanonicalPort(std::string_view text, std::string_view member) {
  std::string_view proto = "tcp";
  std::string_view port = text;
  if (auto colon = text.find(':'); colon != std::string_view::npos) {
    proto = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (proto != "tcp" && proto != "udp" && proto != "sctp") {
    return Invalid(member, "protocol must be tcp, udp or sctp");
  }
  auto number = ParseNumber(port, 65535);
  if (!number) return Invalid(member, "bad port");
  return std::string(proto) + ":" + std::to_string(*number);
}

}  // namespace

bool IsNumericMember(std::string_view member) {
  std::string_view addr = member.substr(0, member.find(','));
  addr = addr.substr(0, addr.find('/'));
  std::array<std::uint8_t, 16> bytes{};
  const std::string literal(addr);
  if (inet_pton(AF_INET, literal.c_str(), bytes.data()) != 1 &&
      inet_pton(AF_INET6, literal.c_str(), bytes.data()) != 1) {
    return false;
  }
  if (auto slash = member.substr(0, member.find(',')).find('/'); slash != std::string_view::npos) {
    if (!ParseNumber(member.substr(slash + 1, member.find(',') - slash - 1), 128)) return false;
  }
  auto comma = member.find(',');
  if (comma == std::string_view::npos) return true;
  std::string_view port = member.substr(comma + 1);
  if (auto colon = port.find(':'); colon != std::string_view::npos) port = port.substr(colon + 1);
  return ParseNumber(port, 65535).has_value();
}

Expected<std::string> CanonicalMember(SetType type, Family family, std::string_view member) {
  const bool has_port = type == SetType::kHashIpPort || type == SetType::kHashNetPort;
  const bool has_prefix = type == SetType::kHashNet || type == SetType::kHashNetPort;
  std::string_view addr = member;
  std::string_view port;
  if (has_port) {
    // IPv6 addresses contain ':' but never ',', so the first ',' splits address and port.
    auto comma = member.find(',');
    if (comma == std::string_view::npos) return Invalid(member, "missing \",port\"");
    addr = member.substr(0, comma);
    port = member.substr(comma + 1);
  }
  auto canonical_addr = CanonicalAddress(family, addr, has_prefix, member);
  if (!canonical_addr) return canonical_addr.error();
  if (!has_port) return canonical_addr;
  auto canonical_port = CanonicalPort(port, member);
  if (!canonical_port) return canonical_port.error();
  return *canonical_addr + "," + *canonical_port;
}

}  // namespace kr::ipset
