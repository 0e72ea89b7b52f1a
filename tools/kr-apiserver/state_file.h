// The --state-file: the store's objects and resourceVersion as one JSON document.
#pragma once

#include <string>

#include "common/base/expected.h"
#include "tools/kr-apiserver/store.h"

namespace kr::apiserver {

// Loads `path` into `store`; `loaded` is false (and the store untouched) when the file does
// not exist yet. Fails on a file that exists but is not a state document.
Status LoadStateFile(Store& store, const std::string& path, bool& loaded);

// Writes the store atomically and marks it clean at the saved resourceVersion.
Status SaveStateFile(Store& store, const std::string& path);

}  // namespace kr::apiserver
