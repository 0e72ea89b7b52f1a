#include "services/policyd/core/label_selector.h"

#include <algorithm>

namespace kr::policyd {
namespace {

bool Contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

bool RequirementHolds(const model::LabelSelectorRequirement& req, const model::StringMap& labels) {
  auto it = labels.find(req.key);
  const bool has = it != labels.end();
  if (req.op == "In") return !req.values.empty() && has && Contains(req.values, it->second);
  if (req.op == "NotIn") return !req.values.empty() && (!has || !Contains(req.values, it->second));
  if (req.op == "Exists") return has;
  if (req.op == "DoesNotExist") return !has;
  return false;
}

}  // namespace

bool SelectorMatches(const model::LabelSelector& selector, const model::StringMap& labels) {
  for (const auto& [key, value] : selector.match_labels) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  for (const auto& req : selector.match_expressions) {
    if (!RequirementHolds(req, labels)) return false;
  }
  return true;
}

std::optional<std::string> RequiredKey(const model::LabelSelector& selector) {
  if (!selector.match_labels.empty()) return selector.match_labels.begin()->first;
  for (const auto& req : selector.match_expressions) {
    if (req.op == "In" || req.op == "Exists") return req.key;
  }
  return std::nullopt;
}

model::StringMap NamespaceLabels(const std::string& name, const model::StringMap* labels) {
  model::StringMap result;
  if (labels != nullptr) result = *labels;
  result["kubernetes.io/metadata.name"] = name;
  return result;
}

}  // namespace kr::policyd
