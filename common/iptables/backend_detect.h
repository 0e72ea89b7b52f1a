// Which iptables backend holds the node's rules, decided the way Kubernetes' iptables-wrapper
// (kubernetes-sigs/iptables-wrappers, used by kube-proxy images and by kube-router's image)
// decides it, because rules must go where the node's other rules are: an nft-backend jump
// inserted "first" still runs after every legacy rule, and vice versa.
//   1. kubelet (1.17+) creates KUBE-IPTABLES-HINT / KUBE-KUBELET-CANARY in the mangle table
//      with the backend the node uses: found in the nft rules -> nft; in the legacy -> legacy.
//   2. Otherwise count rule lines ("-A ...") in iptables-save + ip6tables-save of each backend:
//      legacy only if it has strictly more (the shell wrapper's rule counting; some older
//      variants preferred legacy on a tie).
//   3. Otherwise nft, the default of current distributions.
// Legacy rules are read with a plain iptables-legacy-save: asking it for one table ("-t
// mangle") would create that table in the kernel.
#pragma once

#include <string_view>

#include "common/iptables/xtables_runner.h"

namespace kr::iptables {

// Inputs: iptables-save + ip6tables-save output of each backend (concatenated; empty when a
// tool failed or is missing).
Backend DetectBackend(std::string_view nft_save, std::string_view legacy_save);

// Runs the four save tools in the calling thread's network namespace.
Backend DetectBackendFromSystem();

}  // namespace kr::iptables
