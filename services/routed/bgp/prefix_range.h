// A prefix range for import filters, in the spirit of "10.0.0.0/8 le 32": the prefixes
// inside `prefix` whose length lies in [min_length, max_length]. With neither bound given
// it matches `prefix` exactly.
#pragma once

#include <optional>
#include <string_view>

#include "services/routed/bgp/ip_address.h"

namespace kr::bgp {

struct PrefixRange {
  IpPrefix prefix;
  std::optional<uint8_t> min_length;  // "ge"; default: prefix.length()
  std::optional<uint8_t> max_length;  // "le"; default: min_length, else prefix.length()

  bool Matches(const IpPrefix& candidate) const;
  // "192.0.2.0/24", "10.0.0.0/8 le 32", "10.0.0.0/8 ge 16 le 24"; nullopt when malformed.
  static std::optional<PrefixRange> Parse(std::string_view text);
  bool operator==(const PrefixRange&) const = default;
};

}  // namespace kr::bgp
