#include "common/kube/api_objects.h"

namespace kr::kube {

using nlohmann::json;

namespace {

std::string StringAt(const json& object, const char* outer, const char* inner) {
  auto o = object.find(outer);
  if (o == object.end() || !o->is_object()) return {};
  auto i = o->find(inner);
  if (i == o->end() || !i->is_string()) return {};
  return i->get<std::string>();
}

}  // namespace

Expected<ListPage> ParseListPage(std::string_view body) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Error{EBADMSG, "list response is not a JSON object"};
  }
  ListPage page;
  page.resource_version = StringAt(doc, "metadata", "resourceVersion");
  page.continue_token = StringAt(doc, "metadata", "continue");
  auto items = doc.find("items");
  if (items != doc.end() && !items->is_null()) {
    if (!items->is_array()) return Error{EBADMSG, "list response items is not an array"};
    page.items.reserve(items->size());
    for (json& item : *items) page.items.push_back(std::move(item));
  }
  if (page.resource_version.empty()) {
    return Error{EBADMSG, "list response has no metadata.resourceVersion"};
  }
  return page;
}

Expected<WatchEvent> ParseWatchEvent(std::string_view line) {
  json doc = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Error{EBADMSG, "watch event is not a JSON object"};
  }
  auto type = doc.find("type");
  auto object = doc.find("object");
  if (type == doc.end() || !type->is_string() || object == doc.end() || !object->is_object()) {
    return Error{EBADMSG, "watch event lacks type or object"};
  }
  const std::string& name = type->get_ref<const std::string&>();
  WatchEventType kind;
  if (name == "ADDED") {
    kind = WatchEventType::kAdded;
  } else if (name == "MODIFIED") {
    kind = WatchEventType::kModified;
  } else if (name == "DELETED") {
    kind = WatchEventType::kDeleted;
  } else if (name == "BOOKMARK") {
    kind = WatchEventType::kBookmark;
  } else if (name == "ERROR") {
    kind = WatchEventType::kError;
  } else {
    return Error{EBADMSG, "unknown watch event type " + name};
  }
  return WatchEvent{kind, std::move(*object)};
}

std::string ObjectKey(const json& object) {
  const std::string name = StringAt(object, "metadata", "name");
  if (name.empty()) return {};
  const std::string ns = StringAt(object, "metadata", "namespace");
  return ns.empty() ? name : ns + "/" + name;
}

std::string ObjectResourceVersion(const json& object) {
  return StringAt(object, "metadata", "resourceVersion");
}

namespace {

std::string_view StringAt(JsonView object, std::string_view outer, std::string_view inner) {
  const JsonView value = object.find(outer).find(inner);
  return value.is_string() ? value.string() : std::string_view();
}

}  // namespace

std::string ObjectKey(JsonView object) {
  const std::string_view name = StringAt(object, "metadata", "name");
  if (name.empty()) return {};
  const std::string_view ns = StringAt(object, "metadata", "namespace");
  std::string key;
  key.reserve(ns.size() + 1 + name.size());
  if (!ns.empty()) key.append(ns).push_back('/');
  key.append(name);
  return key;
}

std::string_view ObjectResourceVersion(JsonView object) {
  return StringAt(object, "metadata", "resourceVersion");
}

int StatusCode(const json& status) {
  auto kind = status.find("kind");
  if (kind == status.end() || *kind != "Status") return 0;
  auto code = status.find("code");
  return code != status.end() && code->is_number_integer() ? code->get<int>() : 0;
}

std::string WithQuery(const std::string& path, const std::string& key, const std::string& value) {
  std::string encoded;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      encoded.push_back(static_cast<char>(c));
    } else {
      static const char* hex = "0123456789ABCDEF";
      encoded += '%';
      encoded += hex[c >> 4];
      encoded += hex[c & 15];
    }
  }
  return path + (path.find('?') == std::string::npos ? "?" : "&") + key + "=" + encoded;
}

}  // namespace kr::kube
