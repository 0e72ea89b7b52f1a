#include "services/proxyd/core/cidr.h"

#include <charconv>
#include <vector>

namespace kr::proxyd {

Expected<Cidr> Cidr::Parse(std::string_view text) {
  std::string_view address_text = text;
  int length = -1;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    address_text = text.substr(0, slash);
    std::string_view length_text = text.substr(slash + 1);
    auto [end, ec] =
        std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
    if (ec != std::errc() || end != length_text.data() + length_text.size() ||
        length_text.empty()) {
      return Error{EINVAL, "invalid CIDR " + std::string(text)};
    }
  }
  auto address = ipvs::IpAddress::Parse(address_text);
  if (!address) return Error{EINVAL, "invalid CIDR " + std::string(text)};
  int bits = static_cast<int>(address->bytes().size()) * 8;
  if (length < 0) length = bits;
  if (length > bits) return Error{EINVAL, "invalid CIDR prefix length in " + std::string(text)};
  Cidr cidr;
  cidr.network_ = *address;
  cidr.prefix_length_ = static_cast<uint8_t>(length);
  return cidr;
}

bool Cidr::Contains(const ipvs::IpAddress& address) const {
  if (address.family() != network_.family()) return false;
  auto a = address.bytes();
  auto n = network_.bytes();
  int remaining = prefix_length_;
  for (size_t i = 0; i < a.size() && remaining > 0; ++i, remaining -= 8) {
    uint8_t mask = remaining >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - remaining));
    if ((a[i] & mask) != (n[i] & mask)) return false;
  }
  return true;
}

std::string Cidr::ToString() const {
  return network_.ToString() + "/" + std::to_string(prefix_length_);
}

std::string Cidr::MaskedString() const {
  auto bytes = network_.bytes();
  std::vector<uint8_t> masked(bytes.begin(), bytes.end());
  int remaining = prefix_length_;
  for (auto& byte : masked) {
    uint8_t mask = remaining >= 8  ? 0xff
                   : remaining > 0 ? static_cast<uint8_t>(0xff << (8 - remaining))
                                   : 0;
    byte &= mask;
    remaining -= 8;
  }
  auto address = ipvs::IpAddress::FromBytes(network_.family(), masked);
  return (address ? address->ToString() : network_.ToString()) + "/" +
         std::to_string(prefix_length_);
}

}  // namespace kr::proxyd
