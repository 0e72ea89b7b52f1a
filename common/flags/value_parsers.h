// Text-to-value conversions with pflag's (Go strconv's) rules. Errors carry only the reason;
// the flag parser adds which argument and flag it was.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/expected.h"

namespace kr::flags {

// strconv.ParseBool: 1 t T TRUE true True / 0 f F FALSE false False.
Expected<bool> ParseBool(std::string_view text);

// strconv.ParseInt/ParseUint with base 0: decimal, 0x/0X hex, 0o/0O or leading-0 octal,
// 0b/0B binary; an optional sign for signed types only. Fails when outside [min, max], the
// message naming type_name and the range ("value out of range for uint16 (0 to 65535)").
Expected<int64_t> ParseSigned(std::string_view text, int64_t min, int64_t max,
                              std::string_view type_name);
Expected<uint64_t> ParseUnsigned(std::string_view text, uint64_t max, std::string_view type_name);

// An IPv4 or IPv6 address (no prefix length, no zone), surrounding spaces ignored.
// Returns the canonical text (inet_ntop), e.g. "2001:DB8::0:1" -> "2001:db8::1".
Expected<std::string> ParseIp(std::string_view text);

// One CSV record, as pflag reads string slices: comma-separated fields, a field may be
// quoted with '"' (a doubled "" inside is one quote). "" gives no fields.
Expected<std::vector<std::string>> SplitCsv(std::string_view text);

}  // namespace kr::flags
