// The reachability-matrix harness: pods as network namespaces around a node namespace
// (pod_network.h), policyd's incremental compiler and syncer programming the node's real
// iptables (one backend, one family) and ipsets, every ordered pod pair probed on the given
// ports, and the result compared with the independent oracle (oracle.h), the expected and
// observed grids printed on a mismatch. Another owner's chain and rule sit in the same tables
// and must survive every sync. Used by the privileged matrix and by the vm tier's SCTP matrix.
//
// Threading: one thread; Catch2 assertions inside, so use it from a TEST_CASE.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/ipset/libipset_client.h"
#include "common/iptables/xtables_runner.h"
#include "services/policyd/core/firewall_syncer.h"
#include "services/policyd/core/incremental_compiler.h"
#include "test/privileged/netpol/oracle.h"
#include "test/privileged/netpol/pod_network.h"

namespace kr::netpol_test {

// The matrix's addresses are written as IPv4; an IPv6 run embeds them in the low 32 bits of
// 2001:db8:100::/96 (prefix length + 96), so every range names the same pods in both families.
// Text that is not an IPv4 address or CIDR stays as it is (invalid input stays invalid).
std::string InFamily(const std::string& v4, bool v6);

model::NetworkPolicyRule Rule(std::vector<model::NetworkPolicyPeer> peers,
                              std::vector<model::NetworkPolicyPort> ports = {});

class MatrixHarness {
 public:
  // `pods` all on node-1, with addresses of one family; every pod serves every port of `ports`.
  MatrixHarness(std::vector<model::Pod> pods, std::vector<ProbePort> ports,
                iptables::Backend backend, bool v6);
  ~MatrixHarness();

  // A fresh compiler and syncer with these options, knowing every pod except `unsynced`.
  void Reset(policyd::CompilerOptions options, const std::vector<std::string>& unsynced = {});

  void UpsertNamespace(const model::Namespace& ns);
  void UpsertPod(const model::Pod& pod);
  void DeletePod(const std::string& key);
  void UpsertPolicy(const model::NetworkPolicy& policy);
  void DeletePolicy(const std::string& key);
  void DeleteAllPolicies();
  std::string Net(const std::string& v4) const { return InFamily(v4, v6_); }
  const model::Pod& pod(const std::string& key) const { return world_.pods.at(key); }

  // Writes what changed (the first time after Reset a full sync, then the compiler's delta),
  // checks that a full sync then has nothing to do (the delta left exactly the full state, and
  // the diff against iptables-save is exact) and that the foreign rules are still there.
  void Apply();
  // Applies, probes every pair and compares with the oracle; cells that disagree are probed
  // once more with a long timeout (a lost packet is not a policy decision).
  void Expect(const std::string& scenario, bool expect_some_blocked = true);
  bool NodeReaches(std::size_t pod) const;
  int scenarios() const { return scenarios_; }
  // --cleanup-config: every chain, jump rule and set of policyd gone, the foreign rules kept.
  void CheckCleanup();

  // Probe timeouts (ms): the first pass, and the second look at cells that disagree.
  int probe_timeout_ms = 300;
  int recheck_timeout_ms = 2000;

 private:
  Endpoint Find(const PodEndpoint& pod) const;
  std::string Format(const std::string& title, const PodNetwork::Grid& grid) const;

  bool v6_;
  std::vector<model::Pod> pods_;
  std::vector<ProbePort> ports_;
  PodNetwork network_;
  iptables::XtablesRunner runner_;
  std::string tool_;
  std::vector<std::string> foreign_rules_;
  std::unique_ptr<ipset::LibipsetClient> ipset_;
  std::optional<policyd::IncrementalCompiler> compiler_;
  std::optional<policyd::FirewallSyncer> syncer_;
  OracleWorld world_;
  int scenarios_ = 0;
  bool synced_ = false;  // the current syncer wrote once: later changes go in as deltas
};

}  // namespace kr::netpol_test
