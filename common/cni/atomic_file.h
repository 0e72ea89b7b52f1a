// Whole-file reads and crash-safe whole-file writes, for config files other programs read at
// any moment (the container runtime rereads the CNI config directory on every pod start).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "common/base/expected.h"

namespace kr::cni {

// The file's contents, nullopt when it does not exist, an error for anything else.
Expected<std::optional<std::string>> ReadWholeFile(const std::string& path);

// Replaces `path` so that readers see the old or the new contents, never a part: writes a
// hidden temporary file in the same directory (".<name>.tmp-XXXXXX", which CNI runtimes do
// not load), fsyncs it, renames it over `path` and fsyncs the directory. On any failure the
// temporary file is removed and `path` is untouched.
Status WriteFileAtomically(const std::string& path, std::string_view contents, mode_t mode = 0644);

}  // namespace kr::cni
