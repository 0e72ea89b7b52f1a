// Maps libipset's report messages back to errno values. libipset turns the kernel's error
// codes into fixed English sentences and does not expose the code itself, so the mapping
// keys on the stable part of those sentences (see ipset's lib/errcode.c).
#pragma once

#include <optional>
#include <string_view>

namespace kr::ipset {

int ErrnoFromIpsetMessage(std::string_view message);

// "Error in line 5: ..." (restore mode) -> 5.
std::optional<int> LineFromIpsetMessage(std::string_view message);

}  // namespace kr::ipset
