// Which policies a pod or namespace change can affect, without evaluating every policy: each
// pod-level selector of a policy (its podSelector, its peers' podSelectors) is filed under a
// label key that any pod it matches must carry; selectors without such a key (empty, only
// NotIn/DoesNotExist, a peer with only a namespaceSelector) and policies that depend on every
// pod (DependsOnAllPods) are filed as "unkeyed". The candidates for a pod are the policies
// filed under one of its label keys plus the unkeyed ones: a superset, checked exactly after.
//
// Threading: not thread-safe; owned by the IncrementalCompiler.
#pragma once

#include <map>
#include <set>
#include <string>

#include "common/model/network_policy.h"

namespace kr::policyd {

class PolicyIndex {
 public:
  void Add(const model::NetworkPolicy& policy);
  // `policy` must be the version that was added.
  void Remove(const model::NetworkPolicy& policy);

  // Every policy that could select (as target or peer) a pod carrying `labels`, and more.
  std::set<std::string> Candidates(const model::StringMap& labels) const;
  // Policies with a namespaceSelector in some peer.
  const std::set<std::string>& namespace_selecting() const { return namespace_selecting_; }

 private:
  void ForEachEntry(const model::NetworkPolicy& policy, bool add);

  std::map<std::string, std::set<std::string>> by_key_;
  std::set<std::string> unkeyed_;
  std::set<std::string> namespace_selecting_;
};

}  // namespace kr::policyd
