// Policy routing rules (`ip rule`): "packets with firewall mark M under mask K look up table T",
// at a priority. Only the shape proxyd's DSR and similar users need: a mark selector and a
// table. Rules with any other selector (from/to prefixes, interfaces, ...) are reported with
// `other_selectors` set so that callers never mistake someone else's rule for theirs.
#pragma once

#include <linux/fib_rules.h>
#include <sys/socket.h>

#include <compare>
#include <cstdint>
#include <string>

namespace kr::route {

// The kernel stores a mark without a mask as mask 0xFFFFFFFF and reports it that way.
inline constexpr uint32_t kExactFwmarkMask = 0xFFFFFFFF;

struct Rule {
  int family = AF_INET;   // AF_INET or AF_INET6
  uint32_t priority = 0;  // FRA_PRIORITY ("pref")
  uint32_t table = 0;     // FRA_TABLE; the lookup target
  uint32_t fwmark = 0;    // 0: no mark selector
  uint32_t fwmask = 0;    // with a mark: kExactFwmarkMask unless a narrower mask is wanted
  uint8_t action = FR_ACT_TO_TBL;
  bool other_selectors = false;  // parsed rules only: it also selects by something else

  auto operator<=>(const Rule&) const = default;
  std::string ToString() const;  // `ip rule`-like text for logs and test failures
};

}  // namespace kr::route
