// The reachability matrix with SCTP, in the vm tier (the host kernel has no SCTP sockets; the
// VM boots Debian's kernel with the sctp module): namespaces x and y with pods a and b, each
// serving TCP 80 and SCTP 80, policyd programming the node's iptables (nft and legacy backends,
// IPv4) and ipsets, every pair probed with real TCP and SCTP connections against the oracle.
//
// Run through test/vm's runner (it needs root, and exits 77 without it):
//   <build>/test/support/vm-run --modules xt_sctp -- <build>/.../policyd_netpol_sctp_vm_test
#include <catch2/catch.hpp>

#include "services/policyd/core/test_objects.h"
#include "test/privileged/netpol/matrix_harness.h"

namespace kr::netpol_test {
namespace {

using namespace policyd::testing;

std::vector<model::Pod> SctpPods() {
  std::vector<model::Pod> pods;
  int ns_index = 1;
  for (std::string ns : {"x", "y"}) {
    int pod_index = 1;
    for (std::string name : {"a", "b"}) {
      std::vector<model::ContainerPort> ports{{"web", "TCP", 80}};
      // The SCTP port has a name on b only, so a named SCTP port resolves on b and nowhere else.
      if (name == "b") ports.push_back({"assoc", "SCTP", 80});
      pods.push_back(MakePod(ns, name, {{"pod", name}},
                             "198.51.100." + std::to_string(ns_index * 10 + pod_index++), "node-1",
                             ports));
    }
    ++ns_index;
  }
  return pods;
}

TEST_CASE("policyd_netpol_sctp_vm: SCTP packets agree with the oracle") {
  const auto backend = GENERATE(iptables::Backend::kNft, iptables::Backend::kLegacy);
  INFO("iptables backend: " << iptables::BackendName(backend));
  MatrixHarness h(SctpPods(), {{80, "TCP"}, {80, "SCTP"}}, backend, false);
  // Software emulation is slow: a generous first look, a longer second one.
  h.probe_timeout_ms = 1500;
  h.recheck_timeout_ms = 5000;
  h.Reset({});
  h.Expect("no policies: TCP and SCTP reachable everywhere", false);

  h.UpsertPolicy(MakePolicy("y", "sctp-from-x", Labels({{"pod", "a"}}), {"Ingress"},
                            {Rule({NamespacePeer(Labels({{"ns", "x"}}))}, {Port("SCTP", 80)})}));
  h.Expect("y/a accepts only SCTP 80, only from namespace x");
  h.DeleteAllPolicies();

  h.UpsertPolicy(MakePolicy("x", "egress-named-sctp", Labels({{"pod", "a"}}), {"Egress"}, {},
                            {Rule({}, {NamedPort("SCTP", "assoc")})}));
  h.UpsertPolicy(MakePolicy("y", "sctp-range", Labels({{"pod", "b"}}), {"Ingress"},
                            {Rule({}, {Port("SCTP", 70, 90)})}));
  h.Expect(
      "x/a reaches only the named SCTP port 'assoc' (on the b pods); y/b accepts the "
      "SCTP range 70-90 only");
  h.DeleteAllPolicies();

  h.UpsertPolicy(MakePolicy("x", "deny-ingress", {}, {"Ingress"}));
  h.Expect("deny all ingress in x: SCTP too");
  h.DeleteAllPolicies();

  CHECK(h.scenarios() == 4);
  h.CheckCleanup();
}

}  // namespace
}  // namespace kr::netpol_test
