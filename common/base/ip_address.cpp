#include "common/base/ip_address.h"

#include <arpa/inet.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace kr {

size_t AddressLength(int family) {
  switch (family) {
    case AF_INET:
      return 4;
    case AF_INET6:
      return 16;
    default:
      return 0;
  }
}

Expected<IpAddress> IpAddress::Parse(std::string_view text) {
  const std::string copy(text);  // inet_pton needs a terminated string
  IpAddress address;
  if (inet_pton(AF_INET, copy.c_str(), address.bytes_.data()) == 1) {
    address.family_ = AF_INET;
    return address;
  }
  if (inet_pton(AF_INET6, copy.c_str(), address.bytes_.data()) == 1) {
    address.family_ = AF_INET6;
    return address;
  }
  return Error{EINVAL, "not an IP address: \"" + copy + "\""};
}

IpAddress IpAddress::FromString(std::string_view text) {
  auto parsed = Parse(text);
  if (!parsed) {
    std::fprintf(stderr, "IpAddress::FromString: %s\n", parsed.error().message.c_str());
    std::abort();
  }
  return *parsed;
}

Expected<IpAddress> IpAddress::FromPaddedBytes(int family, std::span<const uint8_t> bytes) {
  const size_t length = AddressLength(family);
  if (length == 0) return Error{EAFNOSUPPORT, "address family " + std::to_string(family)};
  if (bytes.size() < length) {
    return Error{EINVAL, "address of family " + std::to_string(family) + " needs " +
                             std::to_string(length) + " bytes, got " +
                             std::to_string(bytes.size())};
  }
  IpAddress address;
  address.family_ = family;
  std::memcpy(address.bytes_.data(), bytes.data(), length);
  return address;
}

Expected<IpAddress> IpAddress::FromBytes(int family, std::span<const uint8_t> bytes) {
  const size_t length = AddressLength(family);
  if (length != 0 && bytes.size() != length) {
    return Error{EINVAL, "address of family " + std::to_string(family) + " with " +
                             std::to_string(bytes.size()) + " bytes"};
  }
  return FromPaddedBytes(family, bytes);
}

std::span<const uint8_t> IpAddress::bytes() const {
  return {bytes_.data(), AddressLength(family_)};
}

std::string IpAddress::ToString() const {
  if (is_unspecified()) return "unspecified";
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(family_, bytes_.data(), text, sizeof(text));
  return text;
}

}  // namespace kr
