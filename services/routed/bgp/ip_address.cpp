#include "services/routed/bgp/ip_address.h"

#include <arpa/inet.h>

#include <algorithm>

namespace kr::bgp {

IpAddress IpAddress::V4(uint32_t host_order) {
  IpAddress a;
  a.bytes_[0] = static_cast<uint8_t>(host_order >> 24);
  a.bytes_[1] = static_cast<uint8_t>(host_order >> 16);
  a.bytes_[2] = static_cast<uint8_t>(host_order >> 8);
  a.bytes_[3] = static_cast<uint8_t>(host_order);
  return a;
}

std::optional<IpAddress> IpAddress::FromBytes(std::span<const uint8_t> bytes) {
  if (bytes.size() != 4 && bytes.size() != 16) return std::nullopt;
  IpAddress a;
  a.family_ = bytes.size() == 4 ? IpFamily::kIpv4 : IpFamily::kIpv6;
  std::copy(bytes.begin(), bytes.end(), a.bytes_.begin());
  return a;
}

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  std::string s(text);
  std::array<uint8_t, 16> buf{};
  if (inet_pton(AF_INET, s.c_str(), buf.data()) == 1) {
    return FromBytes(std::span<const uint8_t>(buf.data(), 4));
  }
  if (inet_pton(AF_INET6, s.c_str(), buf.data()) == 1) return FromBytes(buf);
  return std::nullopt;
}

uint32_t IpAddress::v4() const {
  return static_cast<uint32_t>(bytes_[0]) << 24 | static_cast<uint32_t>(bytes_[1]) << 16 |
         static_cast<uint32_t>(bytes_[2]) << 8 | bytes_[3];
}

bool IpAddress::is_unspecified() const {
  return std::all_of(bytes_.begin(), bytes_.begin() + static_cast<long>(size()),
                     [](uint8_t b) { return b == 0; });
}

bool IpAddress::is_ipv6_link_local() const {
  return !is_v4() && bytes_[0] == 0xfe && (bytes_[1] & 0xc0) == 0x80;
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes_.data(), buf, sizeof(buf));
  return buf;
}

IpPrefix::IpPrefix(const IpAddress& address, uint8_t length) : length_(length) {
  std::array<uint8_t, 16> masked{};
  std::span<const uint8_t> in = address.bytes();
  for (size_t i = 0; i < in.size(); ++i) {
    const int bits_left = static_cast<int>(length) - static_cast<int>(i) * 8;
    if (bits_left >= 8) {
      masked[i] = in[i];
    } else if (bits_left > 0) {
      masked[i] = static_cast<uint8_t>(in[i] & (0xff << (8 - bits_left)));
    }
  }
  address_ = *IpAddress::FromBytes(std::span<const uint8_t>(masked.data(), in.size()));
}

std::optional<IpPrefix> IpPrefix::Parse(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto address = IpAddress::Parse(text.substr(0, slash));
  if (!address) return std::nullopt;
  std::string_view len_text = text.substr(slash + 1);
  if (len_text.empty() || len_text.size() > 3) return std::nullopt;
  int length = 0;
  for (char c : len_text) {
    if (c < '0' || c > '9') return std::nullopt;
    length = length * 10 + (c - '0');
  }
  if (length > MaxPrefixLength(address->family())) return std::nullopt;
  IpPrefix prefix(*address, static_cast<uint8_t>(length));
  if (prefix.address() != *address) return std::nullopt;
  return prefix;
}

std::string IpPrefix::ToString() const {
  return address_.ToString() + "/" + std::to_string(length_);
}

}  // namespace kr::bgp
