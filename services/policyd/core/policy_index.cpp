#include "services/policyd/core/policy_index.h"

#include "services/policyd/core/label_selector.h"
#include "services/policyd/core/rule_compiler.h"

namespace kr::policyd {

void PolicyIndex::ForEachEntry(const model::NetworkPolicy& policy, bool add) {
  const std::string key = policy.Key();
  auto file = [&](std::set<std::string>& bucket) {
    if (add) {
      bucket.insert(key);
    } else {
      bucket.erase(key);
    }
  };
  auto file_selector = [&](const model::LabelSelector* selector) {
    std::optional<std::string> required = selector ? RequiredKey(*selector) : std::nullopt;
    if (required) {
      file(by_key_[*required]);
      if (!add && by_key_[*required].empty()) by_key_.erase(*required);
    } else {
      file(unkeyed_);
    }
  };
  file_selector(&policy.pod_selector);
  if (DependsOnAllPods(policy)) file(unkeyed_);
  for (const auto* rules : {&policy.ingress, &policy.egress}) {
    for (const model::NetworkPolicyRule& rule : *rules) {
      for (const model::NetworkPolicyPeer& peer : rule.peers) {
        if (peer.ip_block) continue;
        if (peer.namespace_selector) file(namespace_selecting_);
        if (peer.pod_selector) {
          file_selector(&*peer.pod_selector);
        } else if (peer.namespace_selector) {
          file_selector(nullptr);
        }
      }
    }
  }
}

void PolicyIndex::Add(const model::NetworkPolicy& policy) {
  ForEachEntry(policy, true);
}
void PolicyIndex::Remove(const model::NetworkPolicy& policy) {
  ForEachEntry(policy, false);
}

std::set<std::string> PolicyIndex::Candidates(const model::StringMap& labels) const {
  std::set<std::string> out = unkeyed_;
  for (const auto& [key, value] : labels) {
    if (auto it = by_key_.find(key); it != by_key_.end()) {
      out.insert(it->second.begin(), it->second.end());
    }
  }
  return out;
}

}  // namespace kr::policyd
