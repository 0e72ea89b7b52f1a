// Puts pod egress (egress_rules.h) into the kernel and takes it out again.
//
//   XtablesRunner runner(DetectBackendFromSystem());
//   auto ipsets = LibipsetClient::Open();                        // in the node's namespace
//   EgressSyncer egress(options, runner, **ipsets);
//   ClusterAddresses cluster;
//   for (const model::Node& node : nodes) cluster.AddNode(node);
//   egress.Sync(cluster, /*full=*/true);                          // start and periodic
//   egress.Sync(cluster, /*full=*/false);                         // on node changes
//   egress.Cleanup();                                             // --cleanup-config
//
// Order, as references require: sets created and filled, then one iptables-restore --noflush
// per family (only if the chain or jump differ), then sets no longer wanted destroyed. With
// options.enabled false a Sync removes everything of ours, as kube-router deletes its egress
// rules when --enable-pod-egress is off.
//
// Idempotent: a sync that finds everything in place writes nothing. `full` reads iptables and
// ipsets first and so repairs what others changed; otherwise the plans are made against what
// the last successful sync wrote, so a node joining costs two ipset adds and no iptables
// write. Only chains, jump rules and sets with our prefixes (egress_names.h) are touched.
//
// Threading: not thread-safe; one owner. The runner and ipset client act in the network
// namespace they were made for (see their headers) and must outlive the syncer.
#pragma once

#include <array>
#include <optional>
#include <vector>

#include "common/ipset/ipset_client.h"
#include "common/iptables/owned_chain_syncer.h"
#include "services/routed/egress/egress_rules.h"

namespace kr::routed::egress {

struct EgressSyncResult {
  std::size_t ipset_commands = 0;          // set creates, member adds/dels, destroys
  std::array<int, 2> rules_written{0, 0};  // iptables lines written per family
  bool changed() const { return ipset_commands > 0 || rules_written[0] + rules_written[1] > 0; }
};

class EgressSyncer {
 public:
  EgressSyncer(EgressOptions options, iptables::IptablesRunner& runner, ipset::IpsetClient& ipset);

  Expected<EgressSyncResult> Sync(const ClusterAddresses& addresses, bool full = true);
  // Removes our chain and jump rules in the families the options turn on (whether or not
  // egress is enabled) and every set of ours.
  Status Cleanup();

  const EgressOptions& options() const { return options_; }

 private:
  bool FamilyOn(int family) const { return family == 0 ? options_.ipv4 : options_.ipv6; }

  EgressOptions options_;
  std::array<iptables::OwnedChainSyncer, 2> chains_;
  ipset::IpsetClient& ipset_;
  std::optional<std::vector<ipset::SetContent>> last_sets_;  // reset on any failure
};

}  // namespace kr::routed::egress
