// Reading fields of raw apiserver JSON while normalizing, with the path of a bad field in the
// error. Normalizers throw InvalidObject from deep inside an object; the one public entry point
// per kind catches it and returns an Error, so a bad object is reported and skipped as a value
// (architecture.md, "Errors") without threading checks through every line.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace kr::informer {

class InvalidObject : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] void Invalid(const std::string& path, const std::string& why);

// A member that is absent or null gives nullptr; one of another type than object is invalid.
const nlohmann::json* Object(const nlohmann::json& parent, const char* key,
                             const std::string& path);
// An absent or null member gives an empty list.
const nlohmann::json& Array(const nlohmann::json& parent, const char* key, const std::string& path);

std::string String(const nlohmann::json& parent, const char* key, const std::string& path);
bool Bool(const nlohmann::json& parent, const char* key, const std::string& path,
          bool fallback = false);
// An integer in [min, max]; `fallback` when absent or null.
int64_t Integer(const nlohmann::json& parent, const char* key, const std::string& path, int64_t min,
                int64_t max, int64_t fallback = 0);
std::vector<std::string> StringList(const nlohmann::json& parent, const char* key,
                                    const std::string& path);
std::map<std::string, std::string> StringMap(const nlohmann::json& parent, const char* key,
                                             const std::string& path);

// metadata.name and metadata.namespace (the latter may be empty for cluster-scoped kinds).
struct ObjectName {
  std::string ns;
  std::string name;
};
ObjectName ReadName(const nlohmann::json& object, bool namespaced);

}  // namespace kr::informer
