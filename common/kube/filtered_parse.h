// Parsing apiserver list pages and watch events straight from the bytes (json_scanner.h),
// materializing only the fields a FieldFilter keeps, and handing each list item over as soon
// as it is read: no tree of the whole page, no tree of the fields nobody reads. List items are
// handed over as flat views (json_view.h) into a document reused from item to item, so reading
// them allocates nothing per field.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/expected.h"
#include "common/kube/api_objects.h"
#include "common/kube/field_filter.h"
#include "common/kube/json_view.h"

namespace kr::kube {

struct ListPageInfo {
  std::string resource_version;  // of the collection, to watch from
  std::string continue_token;    // empty on the last page
  uint64_t remaining_items = 0;  // metadata.remainingItemCount: after this page (an estimate)
};

// Parses a list response and calls on_item for each entry of "items" (filtered), in order.
// Fails when the body is not a JSON object, items is not a list, or there is no
// metadata.resourceVersion; items read before a syntax error have been handed over already.
// The view is valid during the call only (its strings point into `body`).
Expected<ListPageInfo> ScanListPage(std::string_view body, const FieldFilter& filter,
                                    const std::function<void(JsonView)>& on_item);

// The same, each item copied into a nlohmann::json.
Expected<ListPageInfo> ParseListPageItems(std::string_view body, const FieldFilter& filter,
                                          const std::function<void(nlohmann::json&&)>& on_item);

// The list metadata when it precedes "items" in the body (the apiserver writes it first), read
// without parsing the items; nullopt when it does not come first or the body is unreadable.
std::optional<ListPageInfo> PeekListPageInfo(std::string_view body);

// One line of a watch stream with the object filtered. The members of a Status object (kind,
// code, reason, message) are always kept, so an ERROR event is read whatever the filter.
Expected<WatchEvent> ParseWatchEvent(std::string_view line, const FieldFilter& filter);

}  // namespace kr::kube
