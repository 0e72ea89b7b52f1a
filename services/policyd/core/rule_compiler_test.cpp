#include "services/policyd/core/rule_compiler.h"

#include <catch2/catch.hpp>

#include "services/policyd/core/label_selector.h"
#include "services/policyd/core/names.h"
#include "services/policyd/core/test_objects.h"

namespace kr::policyd {
namespace {

using namespace testing;
using Rules = std::vector<std::string>;

const std::string kAllow = " -j MARK --set-xmark 0x10000/0x10000";
const Rules kRejectTail = {
    "-m mark ! --mark 0x10000/0x10000 -j REJECT --reject-with icmp-port-unreachable",
    "-j MARK --set-xmark 0x0/0x10000"};

CompilerOptions Options() {
  CompilerOptions options;
  options.node_name = "node-1";
  options.ipv6 = false;
  return options;
}

model::NetworkPolicyRule Rule(std::vector<model::NetworkPolicyPeer> peers,
                              std::vector<model::NetworkPolicyPort> ports = {}) {
  return model::NetworkPolicyRule{std::move(ports), std::move(peers)};
}

const ChainMap& Chains(const CompiledFirewall& compiled, int family = 0) {
  return compiled.rules[family].at("filter").chains;
}

const ipset::SetContent* FindSet(const CompiledFirewall& compiled, const std::string& name) {
  for (const auto& set : compiled.sets) {
    if (set.spec.name == name) return &set;
  }
  return nullptr;
}

ClusterState TwoPods() {
  ClusterState state;
  for (auto pod : {MakePod("x", "a", {{"app", "a"}}, "198.51.100.11"),
                   MakePod("x", "b", {{"app", "b"}}, "198.51.100.12", "node-2")}) {
    state.pods[pod.Key()] = pod;
  }
  state.namespaces["x"] = MakeNamespace("x");
  return state;
}

TEST_CASE("policyd_rule_compiler: label selectors") {
  model::StringMap labels{{"app", "web"}, {"tier", "front"}};
  CHECK(SelectorMatches({}, labels));
  CHECK(SelectorMatches(Labels({{"app", "web"}}), labels));
  CHECK_FALSE(SelectorMatches(Labels({{"app", "db"}}), labels));
  CHECK(SelectorMatches(Expression("app", "In", {"db", "web"}), labels));
  CHECK_FALSE(SelectorMatches(Expression("app", "NotIn", {"web"}), labels));
  CHECK(SelectorMatches(Expression("role", "NotIn", {"web"}), labels));
  CHECK(SelectorMatches(Expression("tier", "Exists"), labels));
  CHECK_FALSE(SelectorMatches(Expression("tier", "DoesNotExist"), labels));
  CHECK(SelectorMatches(Expression("role", "DoesNotExist"), labels));
  CHECK_FALSE(SelectorMatches(Expression("app", "Like", {"web"}), labels));
  CHECK(RequiredKey(Expression("app", "In", {"x"})) == "app");
  CHECK_FALSE(RequiredKey(Expression("app", "NotIn", {"x"})).has_value());
}

TEST_CASE("policyd_rule_compiler: names are stable, distinct and fit the kernel") {
  CHECK(PodIngressChain("x/a") == PodIngressChain("x/a"));
  CHECK(PodIngressChain("x/a") != PodIngressChain("x/b"));
  CHECK(PodIngressChain("x/a") != PodEgressChain("x/a"));
  CHECK(PolicyIngressChain("x/p").size() <= iptables::kMaxChainNameLength);
  CHECK(PolicyEgressChain("x/p").rfind("KR-POL-NPE-", 0) == 0);
  CHECK(PeerSetName('4', "x/p|ingress|0").size() <= ipset::kMaxSetNameLength - 4);
  CHECK(PeerSetName('4', "w") != PeerSetName('6', "w"));
}

TEST_CASE("policyd_rule_compiler: ingress from a pod selector") {
  ClusterState state = TwoPods();
  auto policy = MakePolicy("x", "p", Labels({{"app", "a"}}), {"Ingress"},
                           {Rule({PodPeer(Labels({{"app", "b"}}))}, {Port("TCP", 80)})});
  state.policies[policy.Key()] = policy;
  CompiledFirewall compiled = CompileAll(state, Options());
  const ChainMap& chains = Chains(compiled);
  const std::string peers = PeerSetName('4', "x/p|ingress|0");
  CHECK(chains.at(PolicyIngressChain("x/p")) ==
        Rules{"-p tcp -m set --match-set " + peers + " src -m tcp --dport 80" + kAllow});
  REQUIRE(FindSet(compiled, peers) != nullptr);
  CHECK(FindSet(compiled, peers)->members == std::set<std::string>{"198.51.100.12"});
  Rules pod_chain{"-j " + PolicyIngressChain("x/p")};
  pod_chain.insert(pod_chain.end(), kRejectTail.begin(), kRejectTail.end());
  CHECK(chains.at(PodIngressChain("x/a")) == pod_chain);
  CHECK(chains.count(PodEgressChain("x/a")) == 0);   // not isolated for egress
  CHECK(chains.count(PodIngressChain("x/b")) == 0);  // another node's pod
  CHECK(chains.at("KR-POL-FORWARD") == Rules{"-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN",
                                             "-d 198.51.100.11/32 -j " + PodIngressChain("x/a")});
  CHECK(compiled.rules[0].at("filter").jumps.size() == 2);  // FORWARD, INPUT
  CHECK(iptables::ValidateDesiredRules(PolicydOwner(), compiled.rules[0]).ok());
}

TEST_CASE("policyd_rule_compiler: a named port resolves per target pod") {
  ClusterState state;
  state.pods["x/a"] =
      MakePod("x", "a", {{"app", "w"}}, "198.51.100.11", "node-1", {{"http", "TCP", 8080}});
  state.pods["x/b"] = MakePod("x", "b", {{"app", "w"}}, "198.51.100.12", "node-1",
                              {{"http", "TCP", 9090}, {"dns", "UDP", 53}});
  state.pods["x/c"] = MakePod("x", "c", {{"app", "w"}}, "198.51.100.13", "node-1",
                              {{"http", "UDP", 8080}});  // right name, wrong protocol
  auto policy =
      MakePolicy("x", "p", Labels({{"app", "w"}}), {"Ingress"},
                 {Rule({}, {NamedPort("TCP", "http")}), Rule({}, {NamedPort("TCP", "nothing")})});
  state.policies[policy.Key()] = policy;
  CompiledFirewall compiled = CompileAll(state, Options());
  const std::string n8080 = NamedPortSetName('4', "x/p|ingress|0|0|8080");
  const std::string n9090 = NamedPortSetName('4', "x/p|ingress|0|0|9090");
  CHECK(Chains(compiled).at(PolicyIngressChain("x/p")) ==
        Rules{"-p tcp -m set --match-set " + n8080 + " dst -m tcp --dport 8080" + kAllow,
              "-p tcp -m set --match-set " + n9090 + " dst -m tcp --dport 9090" + kAllow});
  CHECK(FindSet(compiled, n8080)->members == std::set<std::string>{"198.51.100.11"});
  CHECK(FindSet(compiled, n9090)->members == std::set<std::string>{"198.51.100.12"});
  // All three pods are isolated; x/c gets nothing from the named port.
  CHECK(Chains(compiled).count(PodIngressChain("x/c")) == 1);
}

TEST_CASE("policyd_rule_compiler: ports, ranges, protocols and bad input") {
  ClusterState state = TwoPods();
  model::NetworkPolicyPort unknown = Port("ICMP", 1);
  model::NetworkPolicyPort all_udp;
  all_udp.protocol = "UDP";
  auto policy =
      MakePolicy("x", "p", Labels({{"app", "a"}}), {"Ingress"},
                 {Rule({}, {Port("TCP", 80, 90), Port("SCTP", 7), all_udp, unknown}),
                  Rule({BlockPeer("198.51.100.0/24", {"198.51.100.12/32", "2001:db8::/64"}),
                        BlockPeer("not-a-cidr"), BlockPeer("0.0.0.0/0")}),
                  Rule({}, {unknown}), Rule({}, {Port("TCP", 90, 80)})});
  state.policies[policy.Key()] = policy;
  CompiledFirewall compiled = CompileAll(state, Options());
  const std::string except = ExceptSetName('4', "x/p|ingress|1|0");
  CHECK(Chains(compiled).at(PolicyIngressChain("x/p")) ==
        Rules{"-p tcp -m tcp --dport 80:90" + kAllow, "-p sctp -m sctp --dport 7" + kAllow,
              "-p udp" + kAllow,
              "-s 198.51.100.0/24 -m set ! --match-set " + except + " src" + kAllow,
              kAllow.substr(1)});
  CHECK(FindSet(compiled, except)->members == std::set<std::string>{"198.51.100.12"});
}

TEST_CASE("policyd_rule_compiler: an except that cannot be enforced drops its ipBlock") {
  ClusterState state = TwoPods();
  auto policy = MakePolicy(
      "x", "p", Labels({{"app", "a"}}), {"Ingress", "Egress"},
      {Rule({BlockPeer("192.0.2.0/24", {"192.0.2.300/32"}), BlockPeer("203.0.113.0/24")})},
      {Rule({BlockPeer("192.0.2.0/24", {"0.0.0.0/0"})}, {Port("TCP", 80)})});
  state.policies[policy.Key()] = policy;
  CompiledFirewall compiled = CompileAll(state, Options());
  // Ignoring the bad except would open 192.0.2.0/24 wider than the policy says: only the
  // valid peer remains, and the egress rule allows nothing.
  CHECK(Chains(compiled).at(PolicyIngressChain("x/p")) == Rules{"-s 203.0.113.0/24" + kAllow});
  CHECK(Chains(compiled).at(PolicyEgressChain("x/p")).empty());
  CHECK(compiled.sets.empty());
}

TEST_CASE("policyd_rule_compiler: empty rules, egress, AND versus OR of peers") {
  ClusterState state = TwoPods();
  state.namespaces["y"] = MakeNamespace("y", {{"team", "y"}});
  state.pods["y/a"] = MakePod("y", "a", {{"app", "a"}}, "198.51.100.21", "node-2");
  state.pods["y/b"] = MakePod("y", "b", {{"app", "b"}}, "198.51.100.22", "node-2");
  auto deny = MakePolicy("x", "deny", {}, {"Ingress", "Egress"});
  auto and_peer = MakePolicy("x", "and", Labels({{"app", "a"}}), {"Egress"}, {},
                             {Rule({BothPeer(Labels({{"team", "y"}}), Labels({{"app", "b"}}))})});
  auto or_peer =
      MakePolicy("x", "or", Labels({{"app", "a"}}), {"Ingress"},
                 {Rule({NamespacePeer(Labels({{"team", "y"}})), PodPeer(Labels({{"app", "b"}}))})});
  for (const auto& policy : {deny, and_peer, or_peer}) state.policies[policy.Key()] = policy;
  CompiledFirewall compiled = CompileAll(state, Options());
  CHECK(Chains(compiled).at(PolicyIngressChain("x/deny")).empty());
  CHECK(Chains(compiled).at(PolicyEgressChain("x/deny")).empty());
  CHECK(Chains(compiled).count(PolicyIngressChain("x/and")) == 0);
  CHECK(FindSet(compiled, PeerSetName('4', "x/and|egress|0"))->members ==
        std::set<std::string>{"198.51.100.22"});
  CHECK(FindSet(compiled, PeerSetName('4', "x/or|ingress|0"))->members ==
        std::set<std::string>{"198.51.100.12", "198.51.100.21", "198.51.100.22"});
  CHECK(Chains(compiled).at(PolicyEgressChain("x/and")) ==
        Rules{"-m set --match-set " + PeerSetName('4', "x/and|egress|0") + " dst" + kAllow});
  CHECK(Chains(compiled).at(PodEgressChain("x/a")).size() == 2 + kRejectTail.size());

  auto allow_all = MakePolicy("x", "all", {}, {"Ingress"}, {Rule({})});
  state.policies[allow_all.Key()] = allow_all;
  CHECK(Chains(CompileAll(state, Options())).at(PolicyIngressChain("x/all")) ==
        Rules{kAllow.substr(1)});
}

TEST_CASE("policyd_rule_compiler: host network pods, legacy annotation, options, IPv6") {
  ClusterState state = TwoPods();
  model::Pod host = MakePod("x", "h", {{"app", "a"}}, "192.0.2.5");
  host.host_network = true;
  state.pods[host.Key()] = host;
  state.pods["x/v6"] = MakePod("x", "v6", {}, "2001:db8::11");
  state.namespaces["x"].annotations["net.beta.kubernetes.io/network-policy"] =
      R"({"ingress":{"isolation":"DefaultDeny"}})";
  CompilerOptions options = Options();
  CHECK(Chains(CompileAll(state, options)).count(PodIngressChain("x/a")) == 0);

  options.legacy_namespace_isolation = true;
  options.nflog_drops = true;
  options.default_deny = true;
  options.ipv6 = true;
  options.pod_cidrs = {"198.51.100.0/24", "2001:db8::/64"};
  CompiledFirewall compiled = CompileAll(state, options);
  CHECK(Chains(compiled).at(PodIngressChain("x/a")) ==
        Rules{"-m mark ! --mark 0x10000/0x10000 -m limit --limit 10/min --limit-burst 10 -j "
              "NFLOG --nflog-group 100",
              kRejectTail[0], kRejectTail[1]});
  CHECK(Chains(compiled).count(PodIngressChain("x/h")) == 0);
  CHECK(FindSet(compiled, LocalPodsSetName('4'))->members ==
        std::set<std::string>{"198.51.100.11"});
  CHECK(FindSet(compiled, LocalPodsSetName('6'))->members == std::set<std::string>{"2001:db8::11"});
  CHECK(Chains(compiled).at("KR-POL-FORWARD")[2] ==
        "-d 198.51.100.0/24 -m set ! --match-set KR-POL-LOCAL4 dst -j REJECT --reject-with "
        "icmp-port-unreachable");
  const ChainMap& v6 = Chains(compiled, 1);
  CHECK(v6.at(PodIngressChain("x/v6")).back() == "-j MARK --set-xmark 0x0/0x10000");
  CHECK(v6.at(PodIngressChain("x/v6"))[1] ==
        "-m mark ! --mark 0x10000/0x10000 -j REJECT --reject-with icmp6-port-unreachable");
  CHECK(v6.at("KR-POL-FORWARD").back() == "-d 2001:db8::11/128 -j " + PodIngressChain("x/v6"));
  CHECK(v6.count("KR-POL-OUTPUT") == 0);  // the node's own traffic to its pods is allowed
  CHECK(v6.count(PodIngressChain("x/a")) == 0);
}

}  // namespace
}  // namespace kr::policyd
