#include "services/routed/egress_nodes.h"

#include "common/log/log.h"

namespace kr::routed {

NodeHook EgressNodeHook(egress::EgressSyncer& syncer) {
  return [&syncer](const NodesSnapshot& snapshot) -> Expected<bool> {
    egress::ClusterAddresses addresses;
    for (const auto& [name, node] : snapshot.nodes) addresses.AddNode(node);
    auto result = syncer.Sync(addresses, snapshot.full);
    if (!result) return result.error();
    if (result->changed()) {
      KR_LOG(INFO) << "pod egress: " << result->ipset_commands << " ipset commands, "
                   << result->rules_written[0] + result->rules_written[1] << " rules written";
    }
    return false;
  };
}

}  // namespace kr::routed
