// Parses `ipset save` output (the format LibipsetClient asks libipset for) into SetContent.
#pragma once

#include <string_view>
#include <vector>

#include "common/base/expected.h"
#include "common/ipset/ipset_types.h"

namespace kr::ipset {

// Keeps only sets whose name starts with `name_prefix`. A kept set of a type or family this
// seam does not model is an error (EPROTONOSUPPORT): silently skipping it would make callers
// try to recreate it forever.
Expected<std::vector<SetContent>> ParseIpsetSave(std::string_view text,
                                                 std::string_view name_prefix);

}  // namespace kr::ipset
