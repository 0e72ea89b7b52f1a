// IP addresses and CIDRs as policyd compares and prints them: parsed once, host bits
// cleared, printed as iptables-save prints them ("192.0.2.0/24", "2001:db8::/32").
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kr::policyd {

struct Cidr {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};
  int prefix = 0;

  // "a.b.c.d/len", "x::y/len", or a plain address (a host CIDR). nullopt when malformed.
  static std::optional<Cidr> Parse(std::string_view text);
  // Address and prefix as iptables-save prints them, host bits cleared.
  std::string ToString() const;
  bool Contains(const Cidr& other) const;  // same family, other's network inside this one
  int max_prefix() const { return v6 ? 128 : 32; }
};

}  // namespace kr::policyd
