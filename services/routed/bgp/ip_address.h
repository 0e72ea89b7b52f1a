// IPv4/IPv6 addresses and prefixes as BGP carries them.
//
// IpAddress is a small value type (family + 16 bytes, IPv4 in the first 4) so that NLRI, next
// hops and RIB keys need no allocation and compare/order cheaply. IpPrefix keeps its address
// canonical (host bits zero): decoders mask the trailing bits RFC 4271 says to ignore, so two
// encodings of one prefix compare equal.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace kr::bgp {

enum class IpFamily : uint8_t { kIpv4 = 4, kIpv6 = 6 };

class IpAddress {
 public:
  IpAddress() = default;  // 0.0.0.0

  static IpAddress V4(uint32_t host_order);
  // bytes.size() must be 4 or 16; anything else yields nullopt.
  static std::optional<IpAddress> FromBytes(std::span<const uint8_t> bytes);
  // Dotted quad or RFC 5952 text; nullopt when it is neither.
  static std::optional<IpAddress> Parse(std::string_view text);

  IpFamily family() const { return family_; }
  bool is_v4() const { return family_ == IpFamily::kIpv4; }
  size_t size() const { return is_v4() ? 4 : 16; }
  std::span<const uint8_t> bytes() const { return {bytes_.data(), size()}; }
  uint32_t v4() const;  // host order; meaningful only when is_v4()
  bool is_unspecified() const;
  bool is_ipv6_link_local() const;  // fe80::/10
  std::string ToString() const;

  auto operator<=>(const IpAddress&) const = default;

 private:
  IpFamily family_ = IpFamily::kIpv4;
  std::array<uint8_t, 16> bytes_{};
};

class IpPrefix {
 public:
  IpPrefix() = default;
  // Masks host bits; length must not exceed the family's bit width (checked by the caller).
  IpPrefix(const IpAddress& address, uint8_t length);
  // "192.0.2.0/24" or "2001:db8::/32"; host bits must be zero.
  static std::optional<IpPrefix> Parse(std::string_view text);

  const IpAddress& address() const { return address_; }
  uint8_t length() const { return length_; }
  IpFamily family() const { return address_.family(); }
  std::string ToString() const;

  auto operator<=>(const IpPrefix&) const = default;

 private:
  IpAddress address_;
  uint8_t length_ = 0;
};

inline uint8_t MaxPrefixLength(IpFamily family) {
  return family == IpFamily::kIpv4 ? 32 : 128;
}

}  // namespace kr::bgp
