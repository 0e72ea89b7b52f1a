// Lookups over ClusterState::pods that the compiler would otherwise answer by scanning every
// pod: the pods carrying a label (in one namespace, or anywhere) and the pods firewalled on
// this node. The IncrementalCompiler keeps one current with its state and hands it to the rule
// compiler through ClusterState::pod_index; a compile without one scans, with the same result.
//
// Holds pointers to the pods in the state's map (stable: std::map nodes do not move), so every
// change to a pod must be told here: Remove with the pod as it was indexed, then Add.
//
// Threading: not thread-safe; owned by the IncrementalCompiler.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "common/model/pod.h"

namespace kr::policyd {

class PodIndex {
 public:
  using Pods = std::unordered_set<const model::Pod*>;

  explicit PodIndex(std::string node_name) : node_name_(std::move(node_name)) {}

  // `pod` is the object in the state's map; `as_indexed` its content when it was added.
  void Add(const model::Pod& pod);
  void Remove(const model::Pod& as_indexed, const model::Pod* pod);

  // Pods with label key=value in namespace ns (nullptr when none).
  const Pods* WithLabel(std::string_view ns, std::string_view key, std::string_view value) const;
  // Namespaces holding at least one pod, with their pod counts.
  const std::map<std::string, std::size_t>& namespaces() const { return namespaces_; }
  // Keys of the pods scheduled on this node that get chains (IsLocalFirewalledPod), sorted.
  const std::set<std::string>& local_pods() const { return local_; }

 private:
  static std::string Key(std::string_view ns, std::string_view key, std::string_view value);

  std::string node_name_;
  std::unordered_map<std::string, Pods> by_label_;  // "ns\0key\0value"
  std::set<std::string> local_;
  std::map<std::string, std::size_t> namespaces_;
};

}  // namespace kr::policyd
