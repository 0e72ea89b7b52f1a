#include "services/routed/bgp/prefix_range.h"

#include <charconv>
#include <string>

namespace kr::bgp {

bool PrefixRange::Matches(const IpPrefix& candidate) const {
  if (candidate.family() != prefix.family() || candidate.length() < prefix.length()) return false;
  // Inside `prefix`: masking the candidate to the range's length gives the range's prefix.
  if (IpPrefix(candidate.address(), prefix.length()) != prefix) return false;
  const uint8_t low = min_length.value_or(prefix.length());
  const uint8_t high =
      max_length.value_or(min_length ? MaxPrefixLength(prefix.family()) : prefix.length());
  return candidate.length() >= low && candidate.length() <= high;
}

std::optional<PrefixRange> PrefixRange::Parse(std::string_view text) {
  auto next_word = [&]() -> std::string_view {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    const size_t end = text.find(' ');
    std::string_view word = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end);
    return word;
  };
  PrefixRange range;
  auto prefix = IpPrefix::Parse(next_word());
  if (!prefix) return std::nullopt;
  range.prefix = *prefix;
  const uint8_t max = MaxPrefixLength(prefix->family());
  for (std::string_view keyword = next_word(); !keyword.empty(); keyword = next_word()) {
    std::string_view number = next_word();
    unsigned value = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (ec != std::errc() || end != number.data() + number.size() || value > max ||
        value < prefix->length()) {
      return std::nullopt;
    }
    if (keyword == "ge" && !range.min_length && !range.max_length) {
      range.min_length = static_cast<uint8_t>(value);
    } else if (keyword == "le" && !range.max_length) {
      range.max_length = static_cast<uint8_t>(value);
    } else {
      return std::nullopt;
    }
  }
  if (range.min_length && range.max_length && *range.min_length > *range.max_length) {
    return std::nullopt;
  }
  return range;
}

}  // namespace kr::bgp
