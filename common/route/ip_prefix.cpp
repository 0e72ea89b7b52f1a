#include "common/route/ip_prefix.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstdlib>
#include <cstring>

namespace kr::route {
int MaxPrefixLength(int family) {
  return static_cast<int>(AddressLength(family) * 8);
}

Expected<IpPrefix> IpPrefix::Parse(std::string_view text) {
  const size_t slash = text.find('/');
  auto address = IpAddress::Parse(text.substr(0, slash));
  if (!address) return Error{EINVAL, "not an IP prefix: \"" + std::string(text) + "\""};
  int length = MaxPrefixLength(address->family());
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
    if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
      return Error{EINVAL, "not an IP prefix: \"" + std::string(text) + "\""};
    }
  }
  auto prefix = Make(*address, length);
  if (!prefix) return Error{EINVAL, "not an IP prefix: \"" + std::string(text) + "\""};
  if (prefix->address() != *address) {
    return Error{EINVAL, "IP prefix has host bits set: \"" + std::string(text) + "\""};
  }
  return prefix;
}

IpPrefix IpPrefix::FromString(std::string_view text) {
  auto parsed = Parse(text);
  if (!parsed) std::abort();
  return *parsed;
}

Expected<IpPrefix> IpPrefix::Make(const IpAddress& address, int length) {
  const int width = MaxPrefixLength(address.family());
  if (width == 0 || length < 0 || length > width) {
    return Error{EINVAL, "prefix length " + std::to_string(length) + " for " + address.ToString()};
  }
  std::array<uint8_t, 16> masked{};
  const auto bytes = address.bytes();
  for (size_t i = 0; i < bytes.size(); ++i) {
    const int bits_left = length - static_cast<int>(i) * 8;
    const uint8_t mask = bits_left >= 8   ? 0xff
                         : bits_left <= 0 ? 0
                                          : uint8_t(0xff << (8 - bits_left));
    masked[i] = bytes[i] & mask;
  }
  IpPrefix prefix;
  prefix.address_ = *IpAddress::FromBytes(address.family(), {masked.data(), bytes.size()});
  prefix.length_ = length;
  return prefix;
}

bool IpPrefix::Contains(const IpAddress& address) const {
  if (address.family() != family()) return false;
  auto masked = Make(address, length_);
  return masked && masked->address_ == address_;
}

std::string IpPrefix::ToString() const {
  return address_.ToString() + "/" + std::to_string(length_);
}

}  // namespace kr::route
