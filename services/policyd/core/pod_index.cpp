#include "services/policyd/core/pod_index.h"

#include "services/policyd/core/rule_compiler.h"

namespace kr::policyd {

std::string PodIndex::Key(std::string_view ns, std::string_view key, std::string_view value) {
  std::string out;
  out.reserve(ns.size() + key.size() + value.size() + 2);
  out.append(ns).append(1, '\0').append(key).append(1, '\0').append(value);
  return out;
}

void PodIndex::Add(const model::Pod& pod) {
  for (const auto& [key, value] : pod.labels) {
    by_label_[Key(pod.ns, key, value)].insert(&pod);
  }
  ++namespaces_[pod.ns];
  // IsLocalFirewalledPod, without building CompilerOptions for it.
  if (IsPeerCandidate(pod) && pod.node_name == node_name_) local_.insert(pod.Key());
}

void PodIndex::Remove(const model::Pod& as_indexed, const model::Pod* pod) {
  for (const auto& [key, value] : as_indexed.labels) {
    auto it = by_label_.find(Key(as_indexed.ns, key, value));
    if (it == by_label_.end()) continue;
    it->second.erase(pod);
    if (it->second.empty()) by_label_.erase(it);
  }
  local_.erase(as_indexed.Key());
  auto ns = namespaces_.find(as_indexed.ns);
  if (ns != namespaces_.end() && --ns->second == 0) namespaces_.erase(ns);
}

const PodIndex::Pods* PodIndex::WithLabel(std::string_view ns, std::string_view key,
                                          std::string_view value) const {
  auto it = by_label_.find(Key(ns, key, value));
  return it == by_label_.end() ? nullptr : &it->second;
}

}  // namespace kr::policyd
