#include "tools/kr-apiserver/patch.h"

#include <algorithm>
#include <set>
#include <string>

namespace kr::apiserver {

namespace {

using nlohmann::json;

constexpr const char kPatchDirective[] = "$patch";
constexpr const char kRetainKeys[] = "$retainKeys";
constexpr const char kSetElementOrder[] = "$setElementOrder/";
constexpr const char kDeleteFromPrimitiveList[] = "$deleteFromPrimitiveList/";

bool StartsWith(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

// The patchMergeKey of a list field in the built-in types, or "" when the list is replaced.
// `sample` is an element of the list, needed where one field name means two things.
std::string MergeKeyFor(const std::string& field, const json& sample) {
  static const std::pair<const char*, const char*> kKeys[] = {
      {"containers", "name"},
      {"initContainers", "name"},
      {"ephemeralContainers", "name"},
      {"volumes", "name"},
      {"env", "name"},
      {"imagePullSecrets", "name"},
      {"resourceClaims", "name"},
      {"hostAliases", "ip"},
      {"volumeMounts", "mountPath"},
      {"volumeDevices", "devicePath"},
      {"conditions", "type"},
      {"addresses", "type"},
      {"ownerReferences", "uid"},
      {"readinessGates", "conditionType"},
      {"topologySpreadConstraints", "topologyKey"},
  };
  if (field == "ports") {
    return sample.is_object() && sample.contains("containerPort") ? "containerPort" : "port";
  }
  for (const auto& [name, key] : kKeys) {
    if (field == name) return key;
  }
  return "";
}

// Lists of scalars whose patch strategy is "merge" (union) rather than replace.
bool IsMergedPrimitiveList(const std::string& field) {
  return field == "finalizers";
}

Expected<json> MergeObject(json target, const json& patch);

Expected<json> MergeList(const std::string& field, json target, const json& patch) {
  if (!target.is_array()) return patch;
  if (IsMergedPrimitiveList(field)) {
    for (const auto& v : patch) {
      if (std::find(target.begin(), target.end(), v) == target.end()) target.push_back(v);
    }
    return target;
  }
  std::string key = patch.empty() ? "" : MergeKeyFor(field, patch.front());
  if (key.empty()) return patch;
  // A list-level {"$patch": "replace"} element replaces the whole list with the others.
  for (const auto& element : patch) {
    if (element.is_object() && element.value(kPatchDirective, "") == "replace") {
      json replaced = json::array();
      for (const auto& e : patch) {
        if (!(e.is_object() && e.contains(kPatchDirective))) replaced.push_back(e);
      }
      return replaced;
    }
  }
  for (const auto& element : patch) {
    if (!element.is_object() || !element.contains(key)) {
      return Error{EINVAL, "map in list " + field + " does not contain the merge key " + key};
    }
    auto match = std::find_if(target.begin(), target.end(), [&](const json& t) {
      return t.is_object() && t.contains(key) && t[key] == element[key];
    });
    if (element.value(kPatchDirective, "") == "delete") {
      if (match != target.end()) target.erase(match);
      continue;
    }
    if (match == target.end()) {
      auto merged = MergeObject(json::object(), element);
      if (!merged) return merged.error();
      target.push_back(std::move(*merged));
    } else {
      auto merged = MergeObject(*match, element);
      if (!merged) return merged.error();
      *match = std::move(*merged);
    }
  }
  return target;
}

Expected<json> MergeObject(json target, const json& patch) {
  if (!patch.is_object()) return patch;
  if (!target.is_object()) target = json::object();
  if (patch.contains(kPatchDirective)) {
    const json& directive = patch[kPatchDirective];
    if (directive == "replace") {
      json replaced = patch;
      replaced.erase(kPatchDirective);
      return replaced;
    }
    if (directive == "delete") return json();  // the caller drops the key
    if (directive != "merge") {
      return Error{EINVAL, "unknown patch type: " + directive.dump()};
    }
  }
  for (const auto& [key, value] : patch.items()) {
    if (key == kPatchDirective || key == kRetainKeys || StartsWith(key, kSetElementOrder)) continue;
    if (StartsWith(key, kDeleteFromPrimitiveList)) {
      std::string field = key.substr(sizeof(kDeleteFromPrimitiveList) - 1);
      auto it = target.find(field);
      if (it != target.end() && it->is_array() && value.is_array()) {
        json kept = json::array();
        for (const auto& v : *it) {
          if (std::find(value.begin(), value.end(), v) == value.end()) kept.push_back(v);
        }
        *it = std::move(kept);
      }
      continue;
    }
    if (value.is_null()) {
      target.erase(key);
      continue;
    }
    auto existing = target.find(key);
    if (value.is_object()) {
      auto merged = MergeObject(existing == target.end() ? json::object() : *existing, value);
      if (!merged) return merged.error();
      if (merged->is_null()) {
        target.erase(key);
      } else {
        target[key] = std::move(*merged);
      }
    } else if (value.is_array()) {
      auto merged = MergeList(key, existing == target.end() ? json() : *existing, value);
      if (!merged) return merged.error();
      target[key] = std::move(*merged);
    } else {
      target[key] = value;
    }
  }
  if (patch.contains(kRetainKeys)) {
    const json& retain = patch[kRetainKeys];
    if (!retain.is_array()) return Error{EINVAL, "$retainKeys must be a list of strings"};
    std::set<std::string> keep;
    for (const auto& k : retain) {
      if (k.is_string()) keep.insert(k.get<std::string>());
    }
    for (auto it = target.begin(); it != target.end();) {
      it = keep.count(it.key()) ? std::next(it) : target.erase(it);
    }
  }
  return target;
}

}  // namespace

json ApplyMergePatch(json target, const json& patch) {
  if (!patch.is_object()) return patch;
  if (!target.is_object()) target = json::object();
  for (const auto& [key, value] : patch.items()) {
    if (value.is_null()) {
      target.erase(key);
    } else {
      auto existing = target.find(key);
      target[key] = ApplyMergePatch(existing == target.end() ? json() : *existing, value);
    }
  }
  return target;
}

Expected<json> ApplyStrategicMergePatch(json target, const json& patch) {
  if (!patch.is_object()) return Error{EINVAL, "strategic merge patch must be a JSON object"};
  auto result = MergeObject(std::move(target), patch);
  if (!result) return result.error();
  if (result->is_null()) return Error{EINVAL, "a patch cannot delete the whole object"};
  return result;
}

Expected<json> ApplyJsonPatch(const json& target, const json& patch) {
  if (!patch.is_array()) return Error{EINVAL, "json patch must be a JSON array"};
  try {
    return target.patch(patch);
  } catch (const json::exception& e) {
    // nlohmann reports failed operations only by exception; turn it into a value here.
    return Error{EINVAL, std::string("the json patch could not be applied: ") + e.what()};
  }
}

}  // namespace kr::apiserver
