#include "services/informer/normalize/field_reader.h"

namespace kr::informer {

using nlohmann::json;

namespace {

const json& EmptyArray() {
  static const json empty = json::array();
  return empty;
}

const json* Member(const json& parent, const char* key) {
  if (!parent.is_object()) return nullptr;
  auto it = parent.find(std::string_view(key));  // one strlen, not one per comparison
  if (it == parent.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string Join(const std::string& path, const char* key) {
  return path.empty() ? key : path + "." + key;
}

}  // namespace

void Invalid(const std::string& path, const std::string& why) {
  throw InvalidObject(path + ": " + why);
}

const json* Object(const json& parent, const char* key, const std::string& path) {
  const json* value = Member(parent, key);
  if (value && !value->is_object()) Invalid(Join(path, key), "not an object");
  return value;
}

const json& Array(const json& parent, const char* key, const std::string& path) {
  const json* value = Member(parent, key);
  if (!value) return EmptyArray();
  if (!value->is_array()) Invalid(Join(path, key), "not a list");
  return *value;
}

std::string String(const json& parent, const char* key, const std::string& path) {
  const json* value = Member(parent, key);
  if (!value) return {};
  if (!value->is_string()) Invalid(Join(path, key), "not a string");
  return value->get<std::string>();
}

bool Bool(const json& parent, const char* key, const std::string& path, bool fallback) {
  const json* value = Member(parent, key);
  if (!value) return fallback;
  if (!value->is_boolean()) Invalid(Join(path, key), "not a boolean");
  return value->get<bool>();
}

int64_t Integer(const json& parent, const char* key, const std::string& path, int64_t min,
                int64_t max, int64_t fallback) {
  const json* value = Member(parent, key);
  if (!value) return fallback;
  if (!value->is_number_integer()) Invalid(Join(path, key), "not an integer");
  const int64_t number = value->get<int64_t>();
  if (number < min || number > max) {
    Invalid(Join(path, key), std::to_string(number) + " is out of range [" + std::to_string(min) +
                                 ", " + std::to_string(max) + "]");
  }
  return number;
}

std::vector<std::string> StringList(const json& parent, const char* key, const std::string& path) {
  std::vector<std::string> out;
  const json& list = Array(parent, key, path);
  out.reserve(list.size());
  for (const json& item : list) {
    if (!item.is_string()) Invalid(Join(path, key), "holds a non-string");
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::map<std::string, std::string> StringMap(const json& parent, const char* key,
                                             const std::string& path) {
  std::map<std::string, std::string> out;
  const json* map = Object(parent, key, path);
  if (!map) return out;
  for (const auto& [k, v] : map->items()) {
    if (!v.is_string()) Invalid(Join(path, key) + "." + k, "not a string");
    out.emplace(k, v.get<std::string>());
  }
  return out;
}

ObjectName ReadName(const json& object, bool namespaced) {
  if (!object.is_object()) Invalid("", "object is not a JSON object");
  const json* metadata = Object(object, "metadata", "");
  if (!metadata) Invalid("metadata", "missing");
  ObjectName name{String(*metadata, "namespace", "metadata"),
                  String(*metadata, "name", "metadata")};
  if (name.name.empty()) Invalid("metadata.name", "missing");
  if (namespaced && name.ns.empty()) Invalid("metadata.namespace", "missing");
  return name;
}

}  // namespace kr::informer
