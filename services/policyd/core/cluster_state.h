// The bus objects the rule compiler reads, keyed as on the bus ("ns/name" for namespaced
// kinds, the name for namespaces). Plain data, plus an optional index kept by its owner.
#pragma once

#include <map>
#include <string>

#include "common/model/namespace.h"
#include "common/model/network_policy.h"
#include "common/model/pod.h"

namespace kr::policyd {

class PodIndex;

struct ClusterState {
  std::map<std::string, model::Pod> pods;
  std::map<std::string, model::Namespace> namespaces;
  std::map<std::string, model::NetworkPolicy> policies;
  // Optional lookups over `pods` (pod_index.h), current with them; nullptr: compile by scanning.
  const PodIndex* pod_index = nullptr;
};

}  // namespace kr::policyd
