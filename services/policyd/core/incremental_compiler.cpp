#include "services/policyd/core/incremental_compiler.h"

#include "services/policyd/core/label_selector.h"

namespace kr::policyd {

bool IncrementalCompiler::PolicyTouchesPod(const model::NetworkPolicy& policy,
                                           const model::Pod& pod) const {
  if (PolicySelectsPod(policy, pod) || DependsOnAllPods(policy)) return true;
  for (const auto* rules : {&policy.ingress, &policy.egress}) {
    for (const model::NetworkPolicyRule& rule : *rules) {
      for (const model::NetworkPolicyPeer& peer : rule.peers) {
        if (PeerSelectsPod(peer, policy.ns, pod, state_)) return true;
      }
    }
  }
  return false;
}

void IncrementalCompiler::MarkPodChange(const model::Pod* before, const model::Pod* after) {
  std::set<std::string> candidates;
  for (const model::Pod* pod : {before, after}) {
    if (pod == nullptr) continue;
    auto found = index_.Candidates(pod->labels);
    candidates.insert(found.begin(), found.end());
  }
  for (const std::string& key : candidates) {
    const model::NetworkPolicy& policy = state_.policies.at(key);
    if ((before && PolicyTouchesPod(policy, *before)) ||
        (after && PolicyTouchesPod(policy, *after))) {
      pending_.policies.insert(key);
    }
  }
  const model::Pod* any = after ? after : before;
  if ((before && IsLocalFirewalledPod(*before, options_)) ||
      (after && IsLocalFirewalledPod(*after, options_))) {
    pending_.pods.insert(any->Key());
    pending_.top_level = true;
  }
}

void IncrementalCompiler::MarkPolicyTargets(const model::NetworkPolicy& policy) {
  const std::string prefix = policy.ns + "/";
  for (auto it = state_.pods.lower_bound(prefix);
       it != state_.pods.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    if (IsLocalFirewalledPod(it->second, options_) && PolicySelectsPod(policy, it->second)) {
      pending_.pods.insert(it->first);
    }
  }
  pending_.top_level = true;
}

void IncrementalCompiler::MarkNamespaceChange(const model::Namespace* before,
                                              const model::Namespace* after,
                                              const std::string& name) {
  auto before_labels = NamespaceLabels(name, before ? &before->labels : nullptr);
  auto after_labels = NamespaceLabels(name, after ? &after->labels : nullptr);
  for (const std::string& key : index_.namespace_selecting()) {
    const model::NetworkPolicy& policy = state_.policies.at(key);
    bool touched = false;
    for (const auto* rules : {&policy.ingress, &policy.egress}) {
      for (const model::NetworkPolicyRule& rule : *rules) {
        for (const model::NetworkPolicyPeer& peer : rule.peers) {
          if (!peer.namespace_selector || peer.ip_block) continue;
          touched = touched || SelectorMatches(*peer.namespace_selector, before_labels) ||
                    SelectorMatches(*peer.namespace_selector, after_labels);
        }
      }
    }
    if (touched) pending_.policies.insert(key);
  }
  bool legacy_before = before && NamespaceHasLegacyIngressIsolation(*before);
  bool legacy_after = after && NamespaceHasLegacyIngressIsolation(*after);
  if (options_.legacy_namespace_isolation && legacy_before != legacy_after) {
    const std::string prefix = name + "/";
    for (auto it = state_.pods.lower_bound(prefix);
         it != state_.pods.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
      if (IsLocalFirewalledPod(it->second, options_)) pending_.pods.insert(it->first);
    }
    pending_.top_level = true;
  }
}

void IncrementalCompiler::UpsertPod(const model::Pod& pod) {
  const std::string key = pod.Key();
  auto it = state_.pods.find(key);
  if (it != state_.pods.end()) {
    if (it->second == pod) return;
    model::Pod before = it->second;
    pod_index_.Remove(before, &it->second);
    it->second = pod;
    pod_index_.Add(it->second);
    MarkPodChange(&before, &it->second);
    return;
  }
  auto [inserted, _] = state_.pods.emplace(key, pod);
  pod_index_.Add(inserted->second);
  MarkPodChange(nullptr, &inserted->second);
}

void IncrementalCompiler::DeletePod(const std::string& key) {
  auto it = state_.pods.find(key);
  if (it == state_.pods.end()) return;
  pod_index_.Remove(it->second, &it->second);
  model::Pod before = std::move(it->second);
  state_.pods.erase(it);
  MarkPodChange(&before, nullptr);
}

void IncrementalCompiler::UpsertNamespace(const model::Namespace& ns) {
  auto it = state_.namespaces.find(ns.name);
  std::optional<model::Namespace> before;
  if (it != state_.namespaces.end()) {
    if (it->second == ns) return;
    before = it->second;
  }
  state_.namespaces[ns.name] = ns;
  MarkNamespaceChange(before ? &*before : nullptr, &ns, ns.name);
}

void IncrementalCompiler::DeleteNamespace(const std::string& name) {
  auto it = state_.namespaces.find(name);
  if (it == state_.namespaces.end()) return;
  model::Namespace before = std::move(it->second);
  state_.namespaces.erase(it);
  MarkNamespaceChange(&before, nullptr, name);
}

void IncrementalCompiler::UpsertPolicy(const model::NetworkPolicy& policy) {
  const std::string key = policy.Key();
  auto it = state_.policies.find(key);
  if (it != state_.policies.end()) {
    if (it->second == policy) return;
    index_.Remove(it->second);
    MarkPolicyTargets(it->second);
    it->second = policy;
  } else {
    state_.policies.emplace(key, policy);
  }
  index_.Add(policy);
  MarkPolicyTargets(policy);
  pending_.policies.insert(key);
}

void IncrementalCompiler::DeletePolicy(const std::string& key) {
  auto it = state_.policies.find(key);
  if (it == state_.policies.end()) return;
  index_.Remove(it->second);
  MarkPolicyTargets(it->second);
  state_.policies.erase(it);
  pending_.policies.insert(key);
}

namespace {

void Count(const Fragment& fragment, IncrementalCompiler::Counts& counts, int sign) {
  auto add = [sign](std::size_t& field, std::size_t n) {
    field = sign > 0 ? field + n : field - n;
  };
  for (const ChainMap& chains : fragment.chains) {
    add(counts.chains, chains.size());
    for (const auto& [name, rules] : chains) add(counts.rules, rules.size());
  }
  add(counts.sets, fragment.sets.size());
  for (const ipset::SetContent& set : fragment.sets) add(counts.set_members, set.members.size());
}

}  // namespace

void IncrementalCompiler::Replace(Fragment& slot, Fragment next, FirewallDelta* delta) {
  if (delta != nullptr) DiffFragments(slot, next, *delta);
  Count(slot, counts_, -1);
  Count(next, counts_, +1);
  slot = std::move(next);
}

void IncrementalCompiler::Recompute(FirewallDelta* delta) {
  static const Fragment kNothing;
  for (const std::string& key : pending_.policies) {
    auto it = state_.policies.find(key);
    auto existing = policy_fragments_.find(key);
    if (it == state_.policies.end()) {
      if (existing == policy_fragments_.end()) continue;
      Replace(existing->second, Fragment{}, delta);
      policy_fragments_.erase(existing);
      continue;
    }
    Fragment& slot =
        existing != policy_fragments_.end() ? existing->second : policy_fragments_[key];
    Replace(slot, CompilePolicy(it->second, state_, options_), delta);
  }
  for (const std::string& key : pending_.pods) {
    auto it = state_.pods.find(key);
    auto existing = pod_fragments_.find(key);
    if (it == state_.pods.end()) {
      if (existing == pod_fragments_.end()) continue;
      Replace(existing->second, Fragment{}, delta);
      pod_fragments_.erase(existing);
      continue;
    }
    Fragment next = CompilePodChains(it->second, state_, options_);
    if (existing == pod_fragments_.end()) {
      if (next == kNothing) continue;  // not a pod with chains here: keep no entry
      existing = pod_fragments_.emplace(key, Fragment{}).first;
    }
    Replace(existing->second, std::move(next), delta);
  }
  if (pending_.top_level) Replace(top_level_, CompileTopLevel(state_, options_), delta);
  last_work_ = std::move(pending_);
  pending_ = Work{};
}

CompiledFirewall IncrementalCompiler::Compile() {
  Recompute(nullptr);
  std::vector<const Fragment*> fragments;
  fragments.reserve(policy_fragments_.size() + pod_fragments_.size() + 1);
  for (const auto& [key, fragment] : policy_fragments_) fragments.push_back(&fragment);
  for (const auto& [key, fragment] : pod_fragments_) fragments.push_back(&fragment);
  fragments.push_back(&top_level_);
  return Assemble(fragments, options_);
}

FirewallDelta IncrementalCompiler::CompileDelta() {
  FirewallDelta delta;
  Recompute(&delta);
  return delta;
}

}  // namespace kr::policyd
