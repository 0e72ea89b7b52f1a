// Kubernetes label selector matching (metav1.LabelSelector semantics), for pod and namespace
// selectors of NetworkPolicies.
#pragma once

#include <optional>
#include <string>

#include "common/model/common_types.h"

namespace kr::policyd {

// matchLabels and every matchExpression must hold; an empty selector matches everything. An
// unknown operator, or In/NotIn without values (which the API rejects), matches nothing.
bool SelectorMatches(const model::LabelSelector& selector, const model::StringMap& labels);

// A label key that every object the selector matches must carry (from matchLabels, In or
// Exists), if there is one: the key an index can file the selector under.
std::optional<std::string> RequiredKey(const model::LabelSelector& selector);

// A namespace's labels as selectors see them: its own plus the kubernetes.io/metadata.name
// label the API server sets on every namespace (also for namespaces not on the bus yet).
model::StringMap NamespaceLabels(const std::string& name, const model::StringMap* labels);

}  // namespace kr::policyd
