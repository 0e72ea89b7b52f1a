#include "services/policyd/core/cidr.h"

#include <arpa/inet.h>

#include <charconv>

namespace kr::policyd {
namespace {

void ClearHostBits(Cidr& cidr) {
  for (int i = 0; i < 16; ++i) {
    int keep = cidr.prefix - i * 8;
    if (keep >= 8) continue;
    cidr.bytes[i] &= keep <= 0 ? 0 : static_cast<std::uint8_t>(0xff << (8 - keep));
  }
}

}  // namespace

std::optional<Cidr> Cidr::Parse(std::string_view text) {
  Cidr cidr;
  std::string address(text.substr(0, text.find('/')));
  cidr.v6 = address.find(':') != std::string::npos;
  if (inet_pton(cidr.v6 ? AF_INET6 : AF_INET, address.c_str(), cidr.bytes.data()) != 1) {
    return std::nullopt;
  }
  cidr.prefix = cidr.max_prefix();
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    std::string_view len = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), cidr.prefix);
    if (ec != std::errc() || end != len.data() + len.size() || len.empty() || cidr.prefix < 0 ||
        cidr.prefix > cidr.max_prefix()) {
      return std::nullopt;
    }
  }
  ClearHostBits(cidr);
  return cidr;
}

std::string Cidr::ToString() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buffer, sizeof(buffer));
  return std::string(buffer) + "/" + std::to_string(prefix);
}

bool Cidr::Contains(const Cidr& other) const {
  if (other.v6 != v6 || other.prefix < prefix) return false;
  Cidr narrowed = other;
  narrowed.prefix = prefix;
  ClearHostBits(narrowed);
  return narrowed.bytes == bytes;
}

}  // namespace kr::policyd
