// Query parameters shared by list and watch: selectors (checked against the fields each
// type supports), limit, continue, resourceVersion, timeoutSeconds, allowWatchBookmarks.
#pragma once

#include <httplib.h>

#include <optional>
#include <string>

#include "tools/kr-apiserver/api_error.h"
#include "tools/kr-apiserver/api_path.h"
#include "tools/kr-apiserver/store.h"

namespace kr::apiserver {

struct CollectionQuery {
  ListOptions list;
  bool watch = false;
  std::optional<uint64_t> resource_version;  // absent or "" : most recent
  bool resource_version_zero = false;        // "0": any
  std::optional<int> timeout_seconds;
  bool allow_bookmarks = false;
};

ApiResult<CollectionQuery> ParseCollectionQuery(const ApiPath& path, const httplib::Request& req);

}  // namespace kr::apiserver
