#include "services/informer/normalize/field_reader.h"

namespace kr::informer {

namespace {

JsonView Member(JsonView parent, std::string_view key) {
  const JsonView value = parent.find(key);
  return value.unset() ? JsonView() : value;
}

}  // namespace

std::string FieldPath::ToString() const {
  std::string out = parent_ ? parent_->ToString() : std::string();
  if (index_ != kNoIndex) return out + "[" + std::to_string(index_) + "]";
  if (!out.empty() && !name_.empty()) out += ".";
  return out.append(name_);
}

void Invalid(const FieldPath& path, const std::string& why) {
  throw InvalidObject(path.ToString() + ": " + why);
}

JsonView Object(JsonView parent, std::string_view key, const FieldPath& path) {
  const JsonView value = Member(parent, key);
  if (!value.absent() && !value.is_object()) Invalid(path.Member(key), "not an object");
  return value;
}

JsonView Array(JsonView parent, std::string_view key, const FieldPath& path) {
  const JsonView value = Member(parent, key);
  if (!value.absent() && !value.is_array()) Invalid(path.Member(key), "not a list");
  return value;
}

std::string String(JsonView parent, std::string_view key, const FieldPath& path) {
  const JsonView value = Member(parent, key);
  if (value.absent()) return {};
  if (!value.is_string()) Invalid(path.Member(key), "not a string");
  return std::string(value.string());
}

bool Bool(JsonView parent, std::string_view key, const FieldPath& path, bool fallback) {
  const JsonView value = Member(parent, key);
  if (value.absent()) return fallback;
  if (!value.is_boolean()) Invalid(path.Member(key), "not a boolean");
  return value.boolean();
}

int64_t Integer(JsonView parent, std::string_view key, const FieldPath& path, int64_t min,
                int64_t max, int64_t fallback) {
  const JsonView value = Member(parent, key);
  if (value.absent()) return fallback;
  if (!value.is_integer()) Invalid(path.Member(key), "not an integer");
  const int64_t number = value.integer();
  if (number < min || number > max) {
    Invalid(path.Member(key), std::to_string(number) + " is out of range [" + std::to_string(min) +
                                  ", " + std::to_string(max) + "]");
  }
  return number;
}

std::vector<std::string> StringList(JsonView parent, std::string_view key, const FieldPath& path) {
  std::vector<std::string> out;
  const JsonView list = Array(parent, key, path);
  out.reserve(list.size());
  for (JsonView item : list) {
    if (!item.is_string()) Invalid(path.Member(key), "holds a non-string");
    out.emplace_back(item.string());
  }
  return out;
}

std::map<std::string, std::string> StringMap(JsonView parent, std::string_view key,
                                             const FieldPath& path) {
  std::map<std::string, std::string> out;
  const JsonView map = Object(parent, key, path);
  // In name order, as a nlohmann tree would give them, so that the first bad member named is
  // the same whatever the order in the input.
  for (JsonView entry : map) {
    if (!entry.is_string()) continue;
    out.insert_or_assign(std::string(entry.key()), std::string(entry.string()));
  }
  if (out.size() != map.size()) {
    // Name the first bad member in name order, as a nlohmann tree (a sorted map) did.
    std::string_view bad;
    bool found = false;
    for (JsonView entry : map) {
      const JsonView value = map.find(entry.key());  // a repeated name reads as its last value
      if (!value.is_string() && (!found || entry.key() < bad)) {
        bad = entry.key();
        found = true;
      }
    }
    if (found) {
      throw InvalidObject(path.Member(key).ToString() + "." + std::string(bad) + ": not a string");
    }
  }
  return out;
}

ObjectName ReadName(JsonView object, bool namespaced) {
  if (!object.is_object()) Invalid("", "object is not a JSON object");
  const JsonView metadata = Object(object, "metadata", "");
  if (metadata.absent()) Invalid("metadata", "missing");
  ObjectName name{String(metadata, "namespace", "metadata"), String(metadata, "name", "metadata")};
  if (name.name.empty()) Invalid("metadata.name", "missing");
  if (namespaced && name.ns.empty()) Invalid("metadata.namespace", "missing");
  return name;
}

}  // namespace kr::informer
