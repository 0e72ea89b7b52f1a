// Whole-file I/O: atomic writes (readers see the old or the new content: temp + rename),
// and reads.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "common/base/expected.h"

namespace kr::apiserver {

Status WriteFileAtomically(const std::string& path, const std::string& data, mode_t mode);

// The whole content, or nullopt when the file cannot be read.
std::optional<std::string> ReadFile(const std::string& path);

}  // namespace kr::apiserver
