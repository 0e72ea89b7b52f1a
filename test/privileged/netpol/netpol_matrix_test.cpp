// The reachability matrix: namespaces x, y, z with pods a, b, c on one node, policyd's rule
// compiler and syncer programming the node's real iptables (both backends, IPv4 and IPv6) and
// ipsets, every ordered pod pair probed on TCP 80, TCP 81 and UDP 80 with real connections, and
// the result compared with the independent oracle (matrix_harness.h). SCTP is compiled into the
// rules here (the kernel must accept them) but probed only in the vm tier
// (netpol_sctp_vm_test.cpp): the host kernel has no SCTP sockets.
#include <catch2/catch.hpp>

#include "services/policyd/core/test_objects.h"
#include "test/privileged/netpol/matrix_harness.h"

namespace kr::netpol_test {
namespace {

using namespace policyd::testing;
using policyd::CompilerOptions;

std::vector<model::Pod> MatrixPods(bool v6) {
  std::vector<model::Pod> pods;
  int ns_index = 1;
  for (std::string ns : {"x", "y", "z"}) {
    int pod_index = 1;
    for (std::string name : {"a", "b", "c"}) {
      std::vector<model::ContainerPort> ports{
          {"serve-80-tcp", "TCP", 80}, {"serve-81-tcp", "TCP", 81}, {"serve-80-udp", "UDP", 80}};
      // "web" is a different number on b and c, and missing on a.
      if (name == "b") ports.push_back({"web", "TCP", 80});
      if (name == "c") ports.push_back({"web", "TCP", 81});
      pods.push_back(
          MakePod(ns, name, {{"pod", name}},
                  InFamily("198.51.100." + std::to_string(ns_index * 10 + pod_index++), v6),
                  "node-1", ports));
    }
    ++ns_index;
  }
  return pods;
}

TEST_CASE("policyd_netpol_matrix: real packets agree with the oracle") {
  const auto backend = GENERATE(iptables::Backend::kNft, iptables::Backend::kLegacy);
  const bool v6 = GENERATE(false, true);
  INFO("iptables backend: " << iptables::BackendName(backend) << (v6 ? ", IPv6" : ", IPv4"));
  MatrixHarness h(MatrixPods(v6), DefaultPorts(), backend, v6);
  h.Reset({});
  h.Expect("no policies: everything reachable", false);

  h.UpsertPolicy(MakePolicy("x", "deny-ingress", {}, {"Ingress"}));
  h.Expect("deny all ingress in x");
  CHECK(h.NodeReaches(0));  // x/a: the node's own traffic to its pods stays allowed
  h.DeleteAllPolicies();
  h.Expect("policy deletion: everything reachable again", false);

  h.UpsertPolicy(MakePolicy("y", "deny-egress", {}, {"Egress"}));
  h.Expect("deny all egress in y");
  h.DeleteAllPolicies();

  h.UpsertPolicy(MakePolicy("x", "from-y", Labels({{"pod", "a"}}), {"Ingress"},
                            {Rule({NamespacePeer(Labels({{"ns", "y"}}))})}));
  h.Expect("x/a allows ingress from namespace y");
  h.DeleteAllPolicies();

  h.UpsertPolicy(MakePolicy("x", "and", Labels({{"pod", "a"}}), {"Ingress"},
                            {Rule({BothPeer(Labels({{"ns", "y"}}), Labels({{"pod", "b"}}))})}));
  h.UpsertPolicy(MakePolicy(
      "x", "or", Labels({{"pod", "b"}}), {"Ingress"},
      {Rule({NamespacePeer(Expression("ns", "In", {"y"})), PodPeer(Labels({{"pod", "c"}}))})}));
  h.Expect("x/a from (ns y AND pod b); x/b from (ns y OR pod c)");
  h.DeleteAllPolicies();

  h.UpsertPolicy(
      MakePolicy("z", "block", Labels({{"pod", "a"}}), {"Ingress"},
                 {Rule({BlockPeer(h.Net("198.51.100.0/27"), {h.Net("198.51.100.12/32")})})}));
  h.UpsertPolicy(
      MakePolicy("y", "egress-block", Labels({{"pod", "c"}}), {"Egress"}, {},
                 {Rule({BlockPeer(h.Net("198.51.100.0/28"), {h.Net("198.51.100.13")})})}));
  h.Expect("ipBlock with except, ingress and egress");
  h.DeleteAllPolicies();

  h.UpsertPolicy(MakePolicy("x", "named", {}, {"Ingress"}, {Rule({}, {NamedPort("TCP", "web")})}));
  h.UpsertPolicy(MakePolicy("z", "named-egress", Labels({{"pod", "a"}}), {"Egress"}, {},
                            {Rule({}, {NamedPort("TCP", "web")})}));
  h.Expect("named port 'web': 80 on b, 81 on c, none on a");
  h.DeleteAllPolicies();

  h.UpsertPolicy(MakePolicy("y", "range-a", Labels({{"pod", "a"}}), {"Ingress"},
                            {Rule({NamespacePeer({})}, {Port("TCP", 80, 81), Port("SCTP", 80)})}));
  h.UpsertPolicy(MakePolicy("y", "range-b", Labels({{"pod", "b"}}), {"Ingress"},
                            {Rule({}, {Port("TCP", 81, 1000)})}));
  h.Expect("endPort ranges (and an SCTP rule the kernel must accept)");
  h.DeleteAllPolicies();

  h.UpsertPolicy(MakePolicy("z", "union-1", Labels({{"pod", "b"}}), {"Ingress"},
                            {Rule({NamespacePeer(Labels({{"ns", "x"}}))}, {Port("TCP", 80)})}));
  h.UpsertPolicy(MakePolicy("z", "union-2", Labels({{"pod", "b"}}), {"Ingress"},
                            {Rule({NamespacePeer(Labels({{"ns", "y"}}))}, {Port("UDP", 80)})}));
  h.Expect("several policies on z/b: their union");
  h.DeleteAllPolicies();

  h.UpsertPolicy(MakePolicy("x", "from-b", Labels({{"pod", "a"}}), {"Ingress"},
                            {Rule({PodPeer(Labels({{"pod", "b"}}))})}));
  h.Expect("x/a allows only x/b");
  model::Pod relabeled = h.pod("x/c");
  relabeled.labels["pod"] = "b";
  h.UpsertPod(relabeled);
  h.Expect("after x/c is relabeled pod=b, it reaches x/a");
  relabeled.labels["pod"] = "c";
  h.UpsertPod(relabeled);
  h.DeleteAllPolicies();

  h.UpsertPolicy(MakePolicy("x", "from-yb", Labels({{"pod", "a"}}), {"Ingress"},
                            {Rule({BothPeer(Labels({{"ns", "y"}}), Labels({{"pod", "b"}}))})}));
  h.UpsertPolicy(MakePolicy("z", "egress-to-yb", Labels({{"pod", "c"}}), {"Egress"}, {},
                            {Rule({BothPeer(Labels({{"ns", "y"}}), Labels({{"pod", "b"}}))})}));
  h.Expect("x/a from y/b only; z/c to y/b only");
  model::Pod deleted = h.pod("y/b");
  h.DeletePod("y/b");
  h.Expect("after y/b is deleted, its address is no longer allowed");
  h.UpsertPod(deleted);
  h.Expect("after y/b is back, it is allowed again");
  h.DeleteAllPolicies();

  h.UpsertPolicy(
      MakePolicy("y", "bad-input", Labels({{"pod", "c"}}), {"Ingress"},
                 {Rule({BlockPeer("198.51.100.300/24"), PodPeer(Labels({{"pod", "a"}}))}),
                  Rule({}, {Port("ICMP", 1)}), Rule({}, {NamedPort("UDP", "no-such-port")})}));
  h.Expect("bad input (invalid CIDR, unknown protocol, unmatched named port) allows no more");
  h.DeleteAllPolicies();

  // Bad egress input beside a valid policy: each bad part allows nothing, the rest still holds.
  h.UpsertPolicy(MakePolicy("x", "valid", Labels({{"pod", "a"}}), {"Ingress"},
                            {Rule({NamespacePeer(Labels({{"ns", "y"}}))})}));
  h.UpsertPolicy(MakePolicy(
      "y", "bad-egress", Labels({{"pod", "a"}}), {"Egress"}, {},
      {Rule({BlockPeer(h.Net("198.51.100.0/24"), {"198.51.100.0/33"})}),  // malformed except
       Rule({BlockPeer(h.Net("198.51.100.0/24"))}, {Port("ICMP", 80)}),   // unknown protocol
       Rule({BlockPeer("198.51.100.0/24x")}),                             // malformed CIDR
       Rule({PodPeer(Labels({{"pod", "b"}}))},
            {Port("TCP", 80), NamedPort("TCP", "no-such-port")})}));  // unmatched name
  h.Expect(
      "bad egress input (malformed except and CIDR, unknown protocol, unmatched named "
      "port) beside a valid policy: y/a reaches only y/b on TCP 80, x/a open to y only");
  h.DeleteAllPolicies();

  // A named port is a port on a pod (NetworkPolicyPort.port): toward an ipBlock it is resolved
  // on each destination pod inside the block, and an address outside the cluster (z/c, unknown
  // to the firewall here, though it listens on 80 and 81) has no named ports, so it matches
  // nothing; a numbered port of the same rule reaches it through the block.
  h.Reset({}, {"z/c"});
  h.UpsertPolicy(
      MakePolicy("x", "egress-named-block", Labels({{"pod", "a"}}), {"Egress"}, {},
                 {Rule({BlockPeer(h.Net("198.51.100.0/26"), {h.Net("198.51.100.12/32")})},
                       {NamedPort("TCP", "web"), Port("UDP", 80)})}));
  h.Expect(
      "egress named port 'web' toward an ipBlock: resolved on the pods in it, nothing for "
      "z/c outside the cluster (UDP 80 by number reaches it)");

  CompilerOptions legacy;
  legacy.legacy_namespace_isolation = true;
  h.Reset(legacy);
  model::Namespace z = MakeNamespace("z", {{"ns", "z"}});
  z.annotations["net.beta.kubernetes.io/network-policy"] =
      R"({"ingress":{"isolation":"DefaultDeny"}})";
  h.UpsertNamespace(z);
  h.UpsertPolicy(MakePolicy("z", "from-x", Labels({{"pod", "a"}}), {"Ingress"},
                            {Rule({NamespacePeer(Labels({{"ns", "x"}}))})}));
  h.Expect("legacy DefaultDeny annotation on z, z/a open to x");

  CompilerOptions deny;
  deny.default_deny = true;
  deny.pod_cidrs = {h.Net("198.51.100.0/24")};
  h.Reset(deny, {"z/c"});
  h.Expect("--netpol-default-deny: z/c is not synced yet, so it gets no traffic");
  h.UpsertPod(MatrixPods(v6).back());
  h.Expect("--netpol-default-deny: z/c synced, reachable", false);

  CHECK(h.scenarios() == 21);
  h.CheckCleanup();
}

}  // namespace
}  // namespace kr::netpol_test
