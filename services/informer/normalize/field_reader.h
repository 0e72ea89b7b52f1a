// Reading fields of raw apiserver objects (flat views, common/kube/json_view.h) while
// normalizing, with the path of a bad field in the error. Normalizers throw InvalidObject from
// deep inside an object; the one public entry point per kind catches it and returns an Error,
// so a bad object is reported and skipped as a value (architecture.md, "Errors") without
// threading checks through every line.
//
// Paths are built only when a field is bad: a FieldPath is a chain of (name or index) links on
// the stack, so a good object costs no string per field.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/kube/json_view.h"

namespace kr::informer {

using kube::JsonView;

class InvalidObject : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Where a field is: "spec.ports[2].name". Each link refers to its parent, so a path must not
// outlive the one it was made from: make child paths of named paths (or of literals), never of
// temporaries that die before the child is used.
class FieldPath {
 public:
  // A dotted path relative to the object ("" for the object itself, "spec", "status.podIPs").
  FieldPath(const char* dotted) : name_(dotted) {}  // NOLINT: implicit by design
  FieldPath Member(std::string_view name) const { return FieldPath(this, name, kNoIndex); }
  FieldPath Index(size_t index) const { return FieldPath(this, {}, index); }
  std::string ToString() const;

 private:
  static constexpr size_t kNoIndex = static_cast<size_t>(-1);
  FieldPath(const FieldPath* parent, std::string_view name, size_t index)
      : parent_(parent), name_(name), index_(index) {}

  const FieldPath* parent_ = nullptr;
  std::string_view name_;
  size_t index_ = kNoIndex;  // a list index instead of a name
};

[[noreturn]] void Invalid(const FieldPath& path, const std::string& why);

// A member that is absent or null gives an absent view; one of another type than object is
// invalid.
JsonView Object(JsonView parent, std::string_view key, const FieldPath& path);
// An absent or null member gives an absent view, which iterates as an empty list.
JsonView Array(JsonView parent, std::string_view key, const FieldPath& path);

std::string String(JsonView parent, std::string_view key, const FieldPath& path);
bool Bool(JsonView parent, std::string_view key, const FieldPath& path, bool fallback = false);
// An integer in [min, max]; `fallback` when absent or null.
int64_t Integer(JsonView parent, std::string_view key, const FieldPath& path, int64_t min,
                int64_t max, int64_t fallback = 0);
std::vector<std::string> StringList(JsonView parent, std::string_view key, const FieldPath& path);
std::map<std::string, std::string> StringMap(JsonView parent, std::string_view key,
                                             const FieldPath& path);

// metadata.name and metadata.namespace (the latter may be empty for cluster-scoped kinds).
struct ObjectName {
  std::string ns;
  std::string name;
};
ObjectName ReadName(JsonView object, bool namespaced);

}  // namespace kr::informer
