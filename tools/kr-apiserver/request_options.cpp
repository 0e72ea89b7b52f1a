#include "tools/kr-apiserver/request_options.h"

#include <charconv>

namespace kr::apiserver {

namespace {

bool IsTrue(const std::string& v) {
  return v == "true" || v == "1" || v == "True";
}

template <typename T>
bool ParseNumber(const std::string& text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// The field selectors kube-apiserver registers per type (metadata.* for every type).
bool FieldSupported(const ResourceType& type, const std::string& field) {
  if (field == "metadata.name" || field == "metadata.namespace") return true;
  if (type.plural == "pods") {
    for (const char* f :
         {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
          "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"}) {
      if (field == f) return true;
    }
  }
  if (type.plural == "nodes" && field == "spec.unschedulable") return true;
  if (type.plural == "namespaces" && field == "status.phase") return true;
  return false;
}

}  // namespace

ApiResult<CollectionQuery> ParseCollectionQuery(const ApiPath& path, const httplib::Request& req) {
  CollectionQuery query;
  query.list.ns = path.ns;
  query.watch = path.legacy_watch || IsTrue(req.get_param_value("watch"));
  if (req.has_param("labelSelector")) {
    auto labels = LabelSelector::Parse(req.get_param_value("labelSelector"));
    if (!labels) return BadRequest(labels.error().message);
    query.list.labels = std::move(*labels);
  }
  if (req.has_param("fieldSelector")) {
    auto fields = FieldSelector::Parse(req.get_param_value("fieldSelector"));
    if (!fields) return BadRequest(fields.error().message);
    for (const auto& r : fields->requirements()) {
      if (!FieldSupported(*path.type, r.field)) {
        return BadRequest("field label not supported: " + r.field);
      }
    }
    query.list.fields = std::move(*fields);
  }
  if (std::string limit = req.get_param_value("limit"); !limit.empty()) {
    long long n = 0;
    if (!ParseNumber(limit, n)) return BadRequest("invalid limit: \"" + limit + "\"");
    query.list.limit = n > 0 ? static_cast<size_t>(n) : 0;
  }
  query.list.continue_token = req.get_param_value("continue");
  if (std::string rv = req.get_param_value("resourceVersion"); !rv.empty()) {
    uint64_t n = 0;
    if (!ParseNumber(rv, n)) {
      return BadRequest("resourceVersion: Invalid value: \"" + rv + "\": must be a number");
    }
    if (n == 0) {
      query.resource_version_zero = true;
    } else {
      query.resource_version = n;
    }
  }
  if (!query.list.continue_token.empty() && query.resource_version) {
    return BadRequest("specifying resource version is not allowed when using continue");
  }
  if (std::string timeout = req.get_param_value("timeoutSeconds"); !timeout.empty()) {
    int n = 0;
    if (!ParseNumber(timeout, n) || n < 0) {
      return BadRequest("invalid timeoutSeconds: \"" + timeout + "\"");
    }
    query.timeout_seconds = n;
  }
  query.allow_bookmarks = IsTrue(req.get_param_value("allowWatchBookmarks"));
  return query;
}

}  // namespace kr::apiserver
