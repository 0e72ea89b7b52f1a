// Reading the generic parts of apiserver responses: list pages, watch events, Status errors
// and object keys. Pure functions over nlohmann::json (and flat views, json_view.h).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/expected.h"
#include "common/kube/json_view.h"

namespace kr::kube {

struct ListPage {
  std::vector<nlohmann::json> items;
  std::string resource_version;  // of the collection, to watch from
  std::string continue_token;    // empty on the last page
};

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark, kError };

struct WatchEvent {
  WatchEventType type;
  nlohmann::json object;
};

// A list response body. An error names what is missing.
Expected<ListPage> ParseListPage(std::string_view body);

// One line of a watch stream ({"type": ..., "object": ...}).
Expected<WatchEvent> ParseWatchEvent(std::string_view line);

// "namespace/name" for namespaced objects, "name" for cluster-scoped ones; empty if the object
// has no metadata.name.
std::string ObjectKey(const nlohmann::json& object);
std::string ObjectResourceVersion(const nlohmann::json& object);
// The same for a flat view; the version is a view into the object.
std::string ObjectKey(JsonView object);
std::string_view ObjectResourceVersion(JsonView object);

// The HTTP-like code of a Status object (e.g. 410 for Expired), or 0 if it is not one.
int StatusCode(const nlohmann::json& status);

// Appends "?"/"&" and the parameter.
std::string WithQuery(const std::string& path, const std::string& key, const std::string& value);

// Splits a byte stream into lines as chunks arrive; a line may span chunks.
class LineSplitter {
 public:
  // Calls on_line for every complete line (without the newline) in data. Stops early and
  // returns false when on_line returns false.
  template <typename OnLine>
  bool Feed(std::string_view data, OnLine&& on_line) {
    size_t start = 0;
    for (size_t nl = data.find('\n'); nl != std::string_view::npos; nl = data.find('\n', start)) {
      bool keep_going;
      if (pending_.empty()) {
        keep_going = on_line(data.substr(start, nl - start));
      } else {
        pending_.append(data.substr(start, nl - start));
        keep_going = on_line(std::string_view(pending_));
        pending_.clear();
      }
      start = nl + 1;
      if (!keep_going) return false;
    }
    pending_.append(data.substr(start));
    return true;
  }
  void Reset() { pending_.clear(); }

 private:
  std::string pending_;
};

}  // namespace kr::kube
