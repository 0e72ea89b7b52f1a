// The reachability matrix: namespaces x, y, z with pods a, b, c on one node, policyd's rule
// compiler and syncer programming the node's real iptables (both backends, IPv4 and IPv6) and
// ipsets, every ordered pod pair probed on TCP 80, TCP 81 and UDP 80 with real connections, and the
// result compared with the independent oracle (oracle.h). SCTP is compiled into the rules (the
// kernel must accept them) but not probed: the host kernel has no SCTP sockets (vm tier).
#include <arpa/inet.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <iomanip>
#include <sstream>

#include "common/ipset/libipset_client.h"
#include "common/iptables/xtables_runner.h"
#include "services/policyd/core/firewall_syncer.h"
#include "services/policyd/core/incremental_compiler.h"
#include "services/policyd/core/test_objects.h"
#include "test/privileged/netpol/oracle.h"
#include "test/privileged/netpol/pod_network.h"

namespace kr::netpol_test {
namespace {

using namespace policyd::testing;
using policyd::CompilerOptions;

const std::vector<ProbePort> kPorts = {{80, "TCP"}, {81, "TCP"}, {80, "UDP"}};

// The matrix's addresses are written as IPv4; an IPv6 run embeds them in the low 32 bits of
// 2001:db8:100::/96 (prefix length + 96), so every range names the same pods in both families.
// Text that is not an IPv4 address or CIDR stays as it is (invalid input stays invalid).
std::string InFamily(const std::string& v4, bool v6) {
  if (!v6) return v4;
  auto slash = v4.find('/');
  in_addr addr{};
  if (inet_pton(AF_INET, v4.substr(0, slash).c_str(), &addr) != 1) return v4;
  unsigned char bytes[16] = {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00};
  std::memcpy(bytes + 12, &addr, 4);
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, bytes, text, sizeof(text));
  std::string out = text;
  if (slash != std::string::npos) out += "/" + std::to_string(96 + std::stoi(v4.substr(slash + 1)));
  return out;
}

model::NetworkPolicyRule Rule(std::vector<model::NetworkPolicyPeer> peers,
                              std::vector<model::NetworkPolicyPort> ports = {}) {
  return model::NetworkPolicyRule{std::move(ports), std::move(peers)};
}

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

std::vector<PodEndpoint> Endpoints(const std::vector<model::Pod>& pods) {
  std::vector<PodEndpoint> out;
  for (const auto& pod : pods) out.push_back({pod.ns, pod.name, pod.ips.front()});
  return out;
}

class Harness {
 public:
  Harness(iptables::Backend backend, bool v6)
      : v6_(v6),
        pods_(MatrixPods(v6)),
        network_(Endpoints(pods_)),
        runner_(backend),
        tool_(std::string(v6 ? "ip6tables-" : "iptables-") +
              (backend == iptables::Backend::kNft ? "nft" : "legacy")) {
    const std::string foreign = v6 ? "2001:db8:ee::/48" : "203.0.113.0/24";
    foreign_rules_ = {"-A FORWARD -s " + foreign + " -j FOREIGN",
                      "-A FOREIGN -s " + foreign + " -j ACCEPT"};
    auto opened = network_.node().Run([] { return ipset::LibipsetClient::Open(); });
    if (!opened.ok()) throw std::runtime_error("libipset: " + opened.error().message);
    ipset_ = std::move(*opened);
    // Another owner's chain and rule, which no sync may touch.
    network_.node().ExecOrThrow({tool_, "-N", "FOREIGN"});
    network_.node().ExecOrThrow({tool_, "-A", "FOREIGN", "-s", foreign, "-j", "ACCEPT"});
    network_.node().ExecOrThrow({tool_, "-A", "FORWARD", "-s", foreign, "-j", "FOREIGN"});
  }

  ~Harness() {
    if (syncer_) {
      Status cleaned = network_.node().Run([&] { return syncer_->Cleanup(); });
      if (!cleaned.ok()) std::fprintf(stderr, "cleanup: %s\n", cleaned.error().message.c_str());
    }
  }

  // A fresh compiler and syncer with these options, knowing every pod except `unsynced`.
  void Reset(CompilerOptions options, const std::vector<std::string>& unsynced = {}) {
    options.node_name = "node-1";
    options.ipv4 = !v6_;
    options.ipv6 = v6_;
    options.nflog_drops = true;
    compiler_.emplace(options);
    syncer_.emplace(runner_, *ipset_, options);
    world_ = OracleWorld{};
    world_.legacy_namespace_isolation = options.legacy_namespace_isolation;
    world_.default_deny = options.default_deny;
    world_.pod_cidr = Net("198.51.100.0/24");
    for (std::string ns : {"x", "y", "z"}) UpsertNamespace(MakeNamespace(ns, {{"ns", ns}}));
    for (const auto& pod : pods_) {
      if (std::find(unsynced.begin(), unsynced.end(), pod.Key()) == unsynced.end()) {
        UpsertPod(pod);
      }
    }
  }

  void UpsertNamespace(const model::Namespace& ns) {
    compiler_->UpsertNamespace(ns);
    world_.namespaces[ns.name] = ns;
  }
  void UpsertPod(const model::Pod& pod) {
    compiler_->UpsertPod(pod);
    world_.pods[pod.Key()] = pod;
  }
  void DeletePod(const std::string& key) {
    compiler_->DeletePod(key);
    world_.pods.erase(key);
  }
  void UpsertPolicy(const model::NetworkPolicy& policy) {
    compiler_->UpsertPolicy(policy);
    world_.policies[policy.Key()] = policy;
  }
  void DeletePolicy(const std::string& key) {
    compiler_->DeletePolicy(key);
    world_.policies.erase(key);
  }
  void DeleteAllPolicies() {
    auto policies = world_.policies;
    for (const auto& [key, policy] : policies) DeletePolicy(key);
  }
  std::string Net(const std::string& v4) const { return InFamily(v4, v6_); }
  const model::Pod& pod(const std::string& key) const { return world_.pods.at(key); }

  // Compiles, syncs, and checks that the second sync has nothing to do (the diff against
  // iptables-save is exact) and that the foreign rules are still there.
  void Apply() {
    policyd::CompiledFirewall desired = compiler_->Compile();
    auto synced = network_.node().Run([&] { return syncer_->Sync(desired); });
    INFO((synced.ok() ? "" : synced.error().message));
    REQUIRE(synced.ok());
    auto again = network_.node().Run([&] { return syncer_->Sync(desired); });
    REQUIRE(again.ok());
    CHECK(again->plans[v6_ ? 1 : 0].empty());
    CHECK(again->ipset_commands == 0);
    std::string saved = network_.node().ExecOrThrow({tool_ + "-save"});
    for (const std::string& rule : foreign_rules_) CHECK(saved.find(rule) != std::string::npos);
  }

  // Applies, probes every pair and compares with the oracle; cells that disagree are probed
  // once more with a long timeout (a lost packet is not a policy decision).
  void Expect(const std::string& scenario, bool expect_some_blocked = true) {
    Apply();
    const auto& pods = network_.pods();
    PodNetwork::Grid expected(pods.size(), std::vector<std::vector<bool>>(pods.size()));
    int blocked = 0;
    for (std::size_t s = 0; s < pods.size(); ++s) {
      for (std::size_t d = 0; d < pods.size(); ++d) {
        expected[s][d].assign(kPorts.size(), true);
        if (s == d) continue;
        for (std::size_t p = 0; p < kPorts.size(); ++p) {
          bool allowed =
              Allowed(world_, Find(pods[s]), Find(pods[d]), kPorts[p].port, kPorts[p].protocol);
          expected[s][d][p] = allowed;
          blocked += allowed ? 0 : 1;
        }
      }
    }
    CHECK((blocked > 0) == expect_some_blocked);  // the scenario exercises what it claims
    PodNetwork::Grid observed = network_.Probe(kPorts, 300);
    int mismatches = 0;
    for (std::size_t s = 0; s < pods.size(); ++s) {
      for (std::size_t d = 0; d < pods.size(); ++d) {
        for (std::size_t p = 0; p < kPorts.size(); ++p) {
          if (observed[s][d][p] == expected[s][d][p]) continue;
          observed[s][d][p] = network_.ProbeOne(s, d, kPorts[p], 2000);
          if (observed[s][d][p] != expected[s][d][p]) ++mismatches;
        }
      }
    }
    INFO("scenario: " << scenario << "\n"
                      << Format("expected", expected) << Format("observed", observed));
    CHECK(mismatches == 0);
    ++scenarios_;
  }

  bool NodeReaches(std::size_t pod) const {
    return network_.ProbeFromNode(pod, kPorts[0], 300) ||
           network_.ProbeFromNode(pod, kPorts[0], 2000);
  }

  int scenarios() const { return scenarios_; }

  // --cleanup-config: every chain, jump rule and set of policyd gone, the foreign rules kept.
  void CheckCleanup() {
    REQUIRE(syncer_);
    Status cleaned = network_.node().Run([&] { return syncer_->Cleanup(); });
    INFO((cleaned.ok() ? "" : cleaned.error().message));
    REQUIRE(cleaned.ok());
    syncer_.reset();
    std::string saved = network_.node().ExecOrThrow({tool_ + "-save"});
    CHECK(saved.find("KR-POL") == std::string::npos);
    for (const std::string& rule : foreign_rules_) CHECK(saved.find(rule) != std::string::npos);
    auto sets = ipset_->List("KR-POL-");
    REQUIRE(sets.ok());
    CHECK(sets->empty());
  }

 private:
  Endpoint Find(const PodEndpoint& pod) const {
    auto it = world_.pods.find(pod.ns + "/" + pod.name);
    return Endpoint{pod.ip, it == world_.pods.end() ? nullptr : &it->second};
  }

  // Rows are sources, columns destinations; each cell shows TCP 80, TCP 81, UDP 80 as
  // '#' (connected) or '.' (blocked).
  std::string Format(const std::string& title, const PodNetwork::Grid& grid) const {
    std::ostringstream out;
    out << title << " (row -> column: tcp80 tcp81 udp80)\n     ";
    for (const auto& pod : network_.pods()) out << std::setw(5) << (pod.ns + "/" + pod.name);
    out << "\n";
    for (std::size_t s = 0; s < grid.size(); ++s) {
      const auto& src = network_.pods()[s];
      out << std::setw(5) << (src.ns + "/" + src.name);
      for (std::size_t d = 0; d < grid.size(); ++d) {
        std::string cell;
        for (bool ok : grid[s][d]) cell += s == d ? ' ' : (ok ? '#' : '.');
        out << std::setw(5) << cell;
      }
      out << "\n";
    }
    return out.str();
  }

  bool v6_;
  std::vector<model::Pod> pods_;
  PodNetwork network_;
  iptables::XtablesRunner runner_;
  std::string tool_;
  std::vector<std::string> foreign_rules_;
  std::unique_ptr<ipset::LibipsetClient> ipset_;
  std::optional<policyd::IncrementalCompiler> compiler_;
  std::optional<policyd::FirewallSyncer> syncer_;
  OracleWorld world_;
  int scenarios_ = 0;
};

TEST_CASE("policyd_netpol_matrix: real packets agree with the oracle") {
  const auto backend = GENERATE(iptables::Backend::kNft, iptables::Backend::kLegacy);
  const bool v6 = GENERATE(false, true);
  INFO("iptables backend: " << iptables::BackendName(backend) << (v6 ? ", IPv6" : ", IPv4"));
  Harness h(backend, v6);
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

  CHECK(h.scenarios() == 19);
  h.CheckCleanup();
}

}  // namespace
}  // namespace kr::netpol_test
