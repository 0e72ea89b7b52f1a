// Label and field selectors as the apiserver parses them from ?labelSelector= / ?fieldSelector=.
//
// Label selectors: comma-separated requirements `k`, `!k`, `k=v`, `k==v`, `k!=v`,
// `k in (a,b)`, `k notin (a,b)`, `k>n`, `k<n` (k8s.io/apimachinery/pkg/labels semantics:
// `!=` and `notin` also match objects without the key). Field selectors: `f=v`, `f==v`, `f!=v`
// on dotted field paths, with `\` escaping `,`, `=` and `\` in values.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/expected.h"

namespace kr::apiserver {

class LabelSelector {
 public:
  enum class Op { kExists, kNotExists, kEquals, kNotEquals, kIn, kNotIn, kGreater, kLess };
  struct Requirement {
    std::string key;
    Op op = Op::kExists;
    std::vector<std::string> values;
  };

  // Error.message explains the first syntax error; the caller answers 400 BadRequest.
  static Expected<LabelSelector> Parse(std::string_view text);

  // `labels` is metadata.labels (an object, or null when absent).
  bool Matches(const nlohmann::json& labels) const;
  bool Empty() const { return requirements_.empty(); }
  const std::vector<Requirement>& requirements() const { return requirements_; }

 private:
  std::vector<Requirement> requirements_;
};

class FieldSelector {
 public:
  struct Requirement {
    std::string field;  // "metadata.name"
    bool negated = false;
    std::string value;
  };

  static Expected<FieldSelector> Parse(std::string_view text);

  // Compares the string form of the field in `object` ("" when absent, booleans as
  // "true"/"false", numbers in decimal).
  bool Matches(const nlohmann::json& object) const;
  bool Empty() const { return requirements_.empty(); }
  const std::vector<Requirement>& requirements() const { return requirements_; }

 private:
  std::vector<Requirement> requirements_;
};

// The string a field selector compares for `field` (a dotted path) in `object`.
std::string FieldValue(const nlohmann::json& object, std::string_view field);

}  // namespace kr::apiserver
