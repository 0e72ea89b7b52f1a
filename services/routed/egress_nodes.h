// Pod egress (services/routed/egress) driven by the controller's nodes: a node hook that keeps
// the masquerade sets equal to every node's pod CIDRs and addresses.
//
//   EgressSyncer syncer(options, runner, ipsets);
//   controller.AddNodeHook("pod egress", EgressNodeHook(syncer));
#pragma once

#include "services/routed/egress/egress_syncer.h"
#include "services/routed/routed_controller.h"

namespace kr::routed {

// Syncs `syncer` (which must outlive the hook) from all nodes; never changes routes.
NodeHook EgressNodeHook(egress::EgressSyncer& syncer);

}  // namespace kr::routed
