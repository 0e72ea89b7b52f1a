// The bus objects the rule compiler reads, keyed as on the bus ("ns/name" for namespaced
// kinds, the name for namespaces). Plain data.
#pragma once

#include <map>
#include <string>

#include "common/model/namespace.h"
#include "common/model/network_policy.h"
#include "common/model/pod.h"

namespace kr::policyd {

struct ClusterState {
  std::map<std::string, model::Pod> pods;
  std::map<std::string, model::Namespace> namespaces;
  std::map<std::string, model::NetworkPolicy> policies;
};

}  // namespace kr::policyd
