#include "services/policyd/core/rule_compiler.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>

#include "common/ipset/ipset_member.h"
#include "common/log/log.h"
#include "services/policyd/core/cidr.h"
#include "services/policyd/core/label_selector.h"
#include "services/policyd/core/names.h"
#include "services/policyd/core/pod_index.h"

namespace kr::policyd {
namespace {

struct FamilyInfo {
  int index;
  char tag;
  bool v6;
  ipset::Family set_family;
};
constexpr FamilyInfo kFamilies[2] = {{0, '4', false, ipset::Family::kInet},
                                     {1, '6', true, ipset::Family::kInet6}};

bool Enabled(const FamilyInfo& family, const CompilerOptions& options) {
  return family.v6 ? options.ipv6 : options.ipv4;
}

// One rule being assembled: iptables-save prints addresses and the protocol before the
// matches, so they are kept apart and rendered in that order.
struct RuleParts {
  std::string src;
  std::string dst;
  std::string proto;
  std::vector<std::string> matches;
};

std::string Render(const RuleParts& parts, std::string_view target) {
  std::string out;
  auto add = [&out](std::string_view piece) {
    if (piece.empty()) return;
    if (!out.empty()) out += ' ';
    out += piece;
  };
  add(parts.src);
  add(parts.dst);
  add(parts.proto);
  for (const std::string& match : parts.matches) add(match);
  add("-j " + std::string(target));
  return out;
}

std::optional<std::string> ProtocolName(const std::string& protocol) {
  if (protocol == "TCP") return "tcp";
  if (protocol == "UDP") return "udp";
  if (protocol == "SCTP") return "sctp";
  return std::nullopt;
}

std::string RejectTarget(const FamilyInfo& family) {
  return family.v6 ? "REJECT --reject-with icmp6-port-unreachable"
                   : "REJECT --reject-with icmp-port-unreachable";
}

// The rules that log (optionally) and reject what `matches` selects.
void AppendReject(std::vector<std::string>& rules, RuleParts parts, const FamilyInfo& family,
                  const CompilerOptions& options) {
  if (options.nflog_drops) {
    RuleParts logged = parts;
    logged.matches.push_back("-m limit --limit 10/min --limit-burst 10");
    rules.push_back(Render(logged, "NFLOG --nflog-group " + std::to_string(options.nflog_group)));
  }
  rules.push_back(Render(parts, RejectTarget(family)));
}

// The pod's addresses of one family: canonical set members and host CIDRs for -s/-d.
struct PodAddress {
  std::string member;
  std::string host_cidr;
};
std::vector<PodAddress> PodAddresses(const model::Pod& pod, const FamilyInfo& family) {
  std::vector<PodAddress> out;
  for (const std::string& ip : pod.ips) {
    auto cidr = Cidr::Parse(ip);
    if (!cidr || cidr->v6 != family.v6 || cidr->prefix != cidr->max_prefix()) continue;
    auto member = ipset::CanonicalMember(ipset::SetType::kHashIp, family.set_family, ip);
    if (!member.ok()) continue;
    out.push_back({*member, cidr->ToString()});
  }
  return out;
}

// The hot path of set building (every selected pod, for every set it is in): canonical
// members only, without the host CIDRs PodAddresses also prints.
void AddMembers(std::set<std::string>& members, const model::Pod& pod, const FamilyInfo& family) {
  for (const std::string& ip : pod.ips) {
    if ((ip.find(':') != std::string::npos) != family.v6) continue;
    auto member = ipset::CanonicalMember(ipset::SetType::kHashIp, family.set_family, ip);
    if (member.ok()) members.insert(std::move(*member));
  }
}

template <typename Fn>
void ForEachPolicyInNamespace(const ClusterState& state, const std::string& ns, Fn&& fn) {
  const std::string prefix = ns + "/";
  for (auto it = state.policies.lower_bound(prefix);
       it != state.policies.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    fn(it->second);
  }
}

}  // namespace

bool PeerSelectsPod(const model::NetworkPolicyPeer& peer, const std::string& policy_ns,
                    const model::Pod& pod, const ClusterState& state) {
  if (peer.ip_block || (!peer.pod_selector && !peer.namespace_selector)) return false;
  if (peer.namespace_selector) {
    auto it = state.namespaces.find(pod.ns);
    auto labels =
        NamespaceLabels(pod.ns, it == state.namespaces.end() ? nullptr : &it->second.labels);
    if (!SelectorMatches(*peer.namespace_selector, labels)) return false;
  } else if (pod.ns != policy_ns) {
    return false;
  }
  return !peer.pod_selector || SelectorMatches(*peer.pod_selector, pod.labels);
}

bool DependsOnAllPods(const model::NetworkPolicy& policy) {
  if (!PolicyHasDirection(policy, Direction::kEgress)) return false;
  for (const model::NetworkPolicyRule& rule : policy.egress) {
    bool named = std::any_of(rule.ports.begin(), rule.ports.end(),
                             [](const auto& port) { return port.port && port.port->is_name(); });
    bool open = rule.peers.empty() || std::any_of(rule.peers.begin(), rule.peers.end(),
                                                  [](const auto& peer) { return peer.ip_block; });
    if (named && open) return true;
  }
  return false;
}

namespace {

bool IpBlockHoldsPod(const model::IpBlock& block, const model::Pod& pod) {
  auto cidr = Cidr::Parse(block.cidr);
  if (!cidr) return false;
  for (const std::string& ip : pod.ips) {
    auto address = Cidr::Parse(ip);
    if (!address || !cidr->Contains(*address)) continue;
    bool excepted = std::any_of(block.except.begin(), block.except.end(), [&](const auto& e) {
      auto except = Cidr::Parse(e);
      return except && except->Contains(*address);
    });
    if (!excepted) return true;
  }
  return false;
}

std::optional<int> ResolveNamedPort(const model::Pod& pod, const std::string& name,
                                    const std::string& protocol) {
  for (const model::ContainerPort& port : pod.ports) {
    if (port.name == name && port.protocol == protocol) return port.container_port;
  }
  return std::nullopt;
}

// Calls fn for every pod firewalled on this node (in namespace `ns` unless it is empty), in
// key order.
template <typename Fn>
void ForEachLocalPod(const ClusterState& state, const CompilerOptions& options,
                     const std::string& ns, Fn&& fn) {
  const std::string first = ns.empty() ? "" : ns + "/";
  if (state.pod_index != nullptr) {
    const std::set<std::string>& local = state.pod_index->local_pods();
    auto end = ns.empty() ? local.end() : local.lower_bound(ns + "0");
    for (auto it = local.lower_bound(first); it != end; ++it) fn(state.pods.at(*it));
    return;
  }
  auto end = ns.empty() ? state.pods.end() : state.pods.lower_bound(ns + "0");
  for (auto it = state.pods.lower_bound(first); it != end; ++it) {
    if (IsLocalFirewalledPod(it->second, options)) fn(it->second);
  }
}

// Calls fn for every peer candidate a selector peer selects, visiting only the namespaces
// that can hold them: pods are keyed "ns/name", so a namespace's pods are the keys in
// ["ns/", "ns0") ('0' follows '/'), and a namespace the selector rejects is skipped whole.
// With a pod index and a selector that names a label, only the pods carrying it are visited.
template <typename Fn>
void ForEachPeerPod(const model::NetworkPolicyPeer& peer, const std::string& policy_ns,
                    const ClusterState& state, Fn&& fn) {
  auto namespace_selected = [&](const std::string& ns) {
    auto found = state.namespaces.find(ns);
    return SelectorMatches(
        *peer.namespace_selector,
        NamespaceLabels(ns, found == state.namespaces.end() ? nullptr : &found->second.labels));
  };
  if (state.pod_index != nullptr && peer.pod_selector && !peer.pod_selector->match_labels.empty()) {
    const auto& [key, value] = *peer.pod_selector->match_labels.begin();
    auto visit_labelled = [&](const std::string& ns) {
      const PodIndex::Pods* pods = state.pod_index->WithLabel(ns, key, value);
      if (pods == nullptr) return;
      for (const model::Pod* pod : *pods) {
        if (IsPeerCandidate(*pod) && SelectorMatches(*peer.pod_selector, pod->labels)) fn(*pod);
      }
    };
    if (!peer.namespace_selector) {
      visit_labelled(policy_ns);
      return;
    }
    for (const auto& [ns, count] : state.pod_index->namespaces()) {
      if (namespace_selected(ns)) visit_labelled(ns);
    }
    return;
  }
  auto visit = [&](auto begin, auto end) {
    for (auto it = begin; it != end; ++it) {
      const model::Pod& pod = it->second;
      if (IsPeerCandidate(pod) &&
          (!peer.pod_selector || SelectorMatches(*peer.pod_selector, pod.labels))) {
        fn(pod);
      }
    }
  };
  if (!peer.namespace_selector) {
    visit(state.pods.lower_bound(policy_ns + "/"), state.pods.lower_bound(policy_ns + "0"));
    return;
  }
  for (auto it = state.pods.begin(); it != state.pods.end();) {
    const std::string ns = it->second.ns;
    auto block_end = state.pods.lower_bound(ns + "0");
    if (namespace_selected(ns)) visit(it, block_end);
    it = block_end;
  }
}

// Calls fn for the pods on which a named port of this rule is resolved: the selected local
// pods for ingress (the traffic's destination), the rule's peer pods for egress (a pod may be
// visited more than once). Only the namespaces that can hold them are visited, except for
// egress to every destination or to an ipBlock, which may hold any pod.
template <typename Fn>
void ForEachNamedPortDestination(const model::NetworkPolicy& policy, Direction direction,
                                 const model::NetworkPolicyRule& rule, const ClusterState& state,
                                 const CompilerOptions& options, Fn&& fn) {
  if (direction == Direction::kIngress) {
    ForEachLocalPod(state, options, policy.ns, [&](const model::Pod& pod) {
      if (PolicySelectsPod(policy, pod)) fn(pod);
    });
    return;
  }
  if (rule.peers.empty()) {
    for (const auto& [key, pod] : state.pods) {
      if (IsPeerCandidate(pod)) fn(pod);
    }
    return;
  }
  for (const model::NetworkPolicyPeer& peer : rule.peers) {
    if (peer.ip_block) {
      for (const auto& [key, pod] : state.pods) {
        if (IsPeerCandidate(pod) && IpBlockHoldsPod(*peer.ip_block, pod)) fn(pod);
      }
    } else if (peer.pod_selector || peer.namespace_selector) {
      ForEachPeerPod(peer, policy.ns, state, fn);
    }
  }
}

struct PeerAlternative {
  std::string address;  // "-s <cidr>" / "-d <cidr>"
  std::string match;
};
struct PortAlternative {
  std::string proto;      // "-p tcp"
  std::string set_match;  // named port: the pods on which it resolves to this number
  std::string match;      // "-m tcp --dport 80"
};

void CompileRule(const model::NetworkPolicy& policy, Direction direction, std::size_t index,
                 const model::NetworkPolicyRule& rule, const FamilyInfo& family,
                 const ClusterState& state, const CompilerOptions& options,
                 std::vector<std::string>& rules, std::vector<ipset::SetContent>& sets) {
  const bool ingress = direction == Direction::kIngress;
  const std::string what =
      policy.Key() + "|" + (ingress ? "ingress" : "egress") + "|" + std::to_string(index);
  const std::string peer_side = ingress ? "src" : "dst";
  const std::string where = "policy " + policy.Key() + (ingress ? " ingress" : " egress") +
                            " rule " + std::to_string(index);

  std::vector<PeerAlternative> peers;
  if (rule.peers.empty()) peers.push_back({});
  bool any_selector = false;
  std::set<std::string> selected;
  for (std::size_t j = 0; j < rule.peers.size(); ++j) {
    const model::NetworkPolicyPeer& peer = rule.peers[j];
    if (peer.ip_block) {
      if (peer.pod_selector || peer.namespace_selector) {
        KR_LOG(WARNING) << where << ": a peer with ipBlock and selectors is invalid, skipped";
        continue;
      }
      auto cidr = Cidr::Parse(peer.ip_block->cidr);
      if (!cidr) {
        KR_LOG(WARNING) << where << ": invalid CIDR " << peer.ip_block->cidr << ", skipped";
        continue;
      }
      if (cidr->v6 != family.v6) continue;
      PeerAlternative alternative;
      if (cidr->prefix > 0) alternative.address = (ingress ? "-s " : "-d ") + cidr->ToString();
      // An except that cannot be enforced drops the whole peer: ignoring it would allow
      // addresses the policy excludes (fail closed).
      std::set<std::string> excepts;
      bool enforceable = true;
      for (const std::string& text : peer.ip_block->except) {
        auto except = Cidr::Parse(text);
        if (!except) {
          KR_LOG(WARNING) << where << ": invalid except CIDR " << text << ", ipBlock "
                          << peer.ip_block->cidr << " skipped";
          enforceable = false;
          break;
        }
        if (except->v6 != family.v6) continue;
        // hash:net refuses a zero prefix; excepting everything leaves nothing to allow.
        if (except->prefix == 0) {
          enforceable = false;
          break;
        }
        auto member =
            ipset::CanonicalMember(ipset::SetType::kHashNet, family.set_family, except->ToString());
        if (!member.ok()) {
          KR_LOG(WARNING) << where << ": except " << text << ": " << member.error().message
                          << ", ipBlock skipped";
          enforceable = false;
          break;
        }
        excepts.insert(*member);
      }
      if (!enforceable) continue;
      if (!excepts.empty()) {
        std::string name = ExceptSetName(family.tag, what + "|" + std::to_string(j));
        sets.push_back({{name, ipset::SetType::kHashNet, family.set_family}, excepts});
        alternative.match = "-m set ! --match-set " + name + " " + peer_side;
      }
      peers.push_back(alternative);
    } else if (peer.pod_selector || peer.namespace_selector) {
      any_selector = true;
      ForEachPeerPod(peer, policy.ns, state,
                     [&](const model::Pod& pod) { AddMembers(selected, pod, family); });
    } else {
      KR_LOG(WARNING) << where << ": a peer without selectors or ipBlock is invalid, skipped";
    }
  }
  if (any_selector) {
    // The set exists even when empty, so the chain's text does not depend on who is in it.
    std::string name = PeerSetName(family.tag, what);
    sets.push_back({{name, ipset::SetType::kHashIp, family.set_family}, selected});
    peers.push_back({"", "-m set --match-set " + name + " " + peer_side});
  }
  if (peers.empty()) return;

  std::vector<PortAlternative> ports;
  if (rule.ports.empty()) ports.push_back({});
  for (std::size_t k = 0; k < rule.ports.size(); ++k) {
    const model::NetworkPolicyPort& port = rule.ports[k];
    auto proto = ProtocolName(port.protocol);
    if (!proto) {
      KR_LOG(WARNING) << where << ": unknown protocol " << port.protocol << ", port skipped";
      continue;
    }
    if (!port.port) {
      ports.push_back({"-p " + *proto, "", ""});
      continue;
    }
    if (!port.port->is_name()) {
      int first = port.port->number;
      int last = port.end_port.value_or(first);
      if (first < 1 || first > 65535 || last < first || last > 65535) {
        KR_LOG(WARNING) << where << ": invalid port range " << first << "-" << last << ", skipped";
        continue;
      }
      std::string range = std::to_string(first);
      if (last > first) range += ":" + std::to_string(last);
      ports.push_back({"-p " + *proto, "", "-m " + *proto + " --dport " + range});
      continue;
    }
    std::map<int, std::set<std::string>> by_number;
    ForEachNamedPortDestination(
        policy, direction, rule, state, options, [&](const model::Pod& pod) {
          if (auto number = ResolveNamedPort(pod, port.port->name, port.protocol)) {
            AddMembers(by_number[*number], pod, family);
          }
        });
    for (const auto& [number, members] : by_number) {
      if (members.empty()) continue;
      std::string name = NamedPortSetName(
          family.tag, what + "|" + std::to_string(k) + "|" + std::to_string(number));
      sets.push_back({{name, ipset::SetType::kHashIp, family.set_family}, members});
      ports.push_back({"-p " + *proto, "-m set --match-set " + name + " dst",
                       "-m " + *proto + " --dport " + std::to_string(number)});
    }
  }

  const std::string allow = "MARK --set-xmark " + options.allow_mark + "/" + options.allow_mark;
  for (const PeerAlternative& peer : peers) {
    for (const PortAlternative& port : ports) {
      RuleParts parts;
      (ingress ? parts.src : parts.dst) = peer.address;
      parts.proto = port.proto;
      for (const std::string* match : {&peer.match, &port.set_match, &port.match}) {
        if (!match->empty()) parts.matches.push_back(*match);
      }
      rules.push_back(Render(parts, allow));
    }
  }
}

std::string PodChain(Direction direction, const std::string& key) {
  return direction == Direction::kIngress ? PodIngressChain(key) : PodEgressChain(key);
}
std::string PolicyChain(Direction direction, const std::string& key) {
  return direction == Direction::kIngress ? PolicyIngressChain(key) : PolicyEgressChain(key);
}

}  // namespace

bool PolicyHasDirection(const model::NetworkPolicy& policy, Direction direction) {
  const char* name = direction == Direction::kIngress ? "Ingress" : "Egress";
  if (policy.policy_types.empty()) {
    return direction == Direction::kIngress || !policy.egress.empty();
  }
  return std::find(policy.policy_types.begin(), policy.policy_types.end(), name) !=
         policy.policy_types.end();
}

bool PolicySelectsPod(const model::NetworkPolicy& policy, const model::Pod& pod) {
  return pod.ns == policy.ns && SelectorMatches(policy.pod_selector, pod.labels);
}

bool IsPeerCandidate(const model::Pod& pod) {
  return !pod.host_network && !pod.ips.empty() && pod.phase != "Succeeded" && pod.phase != "Failed";
}

bool IsLocalFirewalledPod(const model::Pod& pod, const CompilerOptions& options) {
  return IsPeerCandidate(pod) && pod.node_name == options.node_name;
}

bool NamespaceHasLegacyIngressIsolation(const model::Namespace& ns) {
  auto it = ns.annotations.find("net.beta.kubernetes.io/network-policy");
  if (it == ns.annotations.end()) return false;
  auto json = nlohmann::json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return false;
  auto ingress = json.find("ingress");
  if (ingress == json.end() || !ingress->is_object()) return false;
  auto isolation = ingress->find("isolation");
  return isolation != ingress->end() && isolation->is_string() &&
         isolation->get<std::string>() == "DefaultDeny";
}

bool PodIsolated(const model::Pod& pod, Direction direction, const ClusterState& state,
                 const CompilerOptions& options) {
  bool isolated = false;
  ForEachPolicyInNamespace(state, pod.ns, [&](const model::NetworkPolicy& policy) {
    isolated = isolated || (PolicyHasDirection(policy, direction) && PolicySelectsPod(policy, pod));
  });
  if (!isolated && direction == Direction::kIngress && options.legacy_namespace_isolation) {
    auto it = state.namespaces.find(pod.ns);
    isolated = it != state.namespaces.end() && NamespaceHasLegacyIngressIsolation(it->second);
  }
  return isolated;
}

Fragment CompilePolicy(const model::NetworkPolicy& policy, const ClusterState& state,
                       const CompilerOptions& options) {
  Fragment fragment;
  for (const FamilyInfo& family : kFamilies) {
    if (!Enabled(family, options)) continue;
    for (Direction direction : {Direction::kIngress, Direction::kEgress}) {
      if (!PolicyHasDirection(policy, direction)) continue;
      auto& rules = fragment.chains[family.index][PolicyChain(direction, policy.Key())];
      const auto& policy_rules = direction == Direction::kIngress ? policy.ingress : policy.egress;
      for (std::size_t i = 0; i < policy_rules.size(); ++i) {
        CompileRule(policy, direction, i, policy_rules[i], family, state, options, rules,
                    fragment.sets);
      }
    }
  }
  return fragment;
}

Fragment CompilePodChains(const model::Pod& pod, const ClusterState& state,
                          const CompilerOptions& options) {
  Fragment fragment;
  if (!IsLocalFirewalledPod(pod, options)) return fragment;
  const std::string unmarked = "-m mark ! --mark " + options.allow_mark + "/" + options.allow_mark;
  for (const FamilyInfo& family : kFamilies) {
    if (!Enabled(family, options) || PodAddresses(pod, family).empty()) continue;
    for (Direction direction : {Direction::kIngress, Direction::kEgress}) {
      if (!PodIsolated(pod, direction, state, options)) continue;
      std::vector<std::string> rules;
      ForEachPolicyInNamespace(state, pod.ns, [&](const model::NetworkPolicy& policy) {
        if (PolicyHasDirection(policy, direction) && PolicySelectsPod(policy, pod)) {
          rules.push_back("-j " + PolicyChain(direction, policy.Key()));
        }
      });
      AppendReject(rules, RuleParts{"", "", "", {unmarked}}, family, options);
      rules.push_back("-j MARK --set-xmark 0x0/" + options.allow_mark);
      fragment.chains[family.index][PodChain(direction, pod.Key())] = std::move(rules);
    }
  }
  return fragment;
}

Fragment CompileTopLevel(const ClusterState& state, const CompilerOptions& options) {
  Fragment fragment;
  const std::string established = "-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN";
  for (const FamilyInfo& family : kFamilies) {
    if (!Enabled(family, options)) continue;
    std::vector<std::string> forward{established}, input{established};
    if (options.default_deny) {
      std::vector<Cidr> cidrs;
      for (const std::string& text : options.pod_cidrs) {
        auto cidr = Cidr::Parse(text);
        if (!cidr) KR_LOG(WARNING) << "invalid pod CIDR " << text << " for default deny, ignored";
        if (cidr && cidr->v6 == family.v6) cidrs.push_back(*cidr);
      }
      if (!cidrs.empty()) {
        const std::string local = LocalPodsSetName(family.tag);
        std::set<std::string> members;
        ForEachLocalPod(state, options, "",
                        [&](const model::Pod& pod) { AddMembers(members, pod, family); });
        fragment.sets.push_back({{local, ipset::SetType::kHashIp, family.set_family}, members});
        for (const Cidr& cidr : cidrs) {
          const std::string to_unknown = "-m set ! --match-set " + local + " dst";
          const std::string from_unknown = "-m set ! --match-set " + local + " src";
          AppendReject(forward, {"", "-d " + cidr.ToString(), "", {to_unknown}}, family, options);
          AppendReject(forward, {"-s " + cidr.ToString(), "", "", {from_unknown}}, family, options);
          AppendReject(input, {"-s " + cidr.ToString(), "", "", {from_unknown}}, family, options);
        }
      }
    }
    ForEachLocalPod(state, options, "", [&](const model::Pod& pod) {
      const std::string key = pod.Key();
      bool egress = PodIsolated(pod, Direction::kEgress, state, options);
      bool ingress = PodIsolated(pod, Direction::kIngress, state, options);
      for (const PodAddress& address : PodAddresses(pod, family)) {
        if (egress) {
          std::string jump = "-s " + address.host_cidr + " -j " + PodEgressChain(key);
          forward.push_back(jump);
          input.push_back(jump);
        }
        if (ingress) {
          std::string jump = "-d " + address.host_cidr + " -j " + PodIngressChain(key);
          forward.push_back(jump);
        }
      }
    });
    auto& chains = fragment.chains[family.index];
    chains[std::string(kForwardChain)] = std::move(forward);
    chains[std::string(kInputChain)] = std::move(input);
  }
  return fragment;
}

iptables::Owner PolicydOwner() {
  return iptables::Owner{std::string(kChainPrefix), std::string(kCommentPrefix)};
}

CompiledFirewall Assemble(const std::vector<const Fragment*>& fragments,
                          const CompilerOptions& options) {
  CompiledFirewall out;
  const iptables::Owner owner = PolicydOwner();
  for (const FamilyInfo& family : kFamilies) {
    if (!Enabled(family, options)) continue;
    iptables::DesiredTable& filter = out.rules[family.index]["filter"];
    for (const Fragment* fragment : fragments) {
      for (const auto& [name, rules] : fragment->chains[family.index]) filter.chains[name] = rules;
    }
    filter.jumps = {
        {"FORWARD", iptables::MakeJumpRule(owner, "forward", "", kForwardChain)},
        {"INPUT", iptables::MakeJumpRule(owner, "input", "", kInputChain)},
    };
  }
  for (const Fragment* fragment : fragments) {
    out.sets.insert(out.sets.end(), fragment->sets.begin(), fragment->sets.end());
  }
  std::sort(out.sets.begin(), out.sets.end(),
            [](const auto& a, const auto& b) { return a.spec.name < b.spec.name; });
  return out;
}

CompiledFirewall CompileAll(const ClusterState& state, const CompilerOptions& options) {
  std::vector<Fragment> fragments;
  for (const auto& [key, policy] : state.policies) {
    fragments.push_back(CompilePolicy(policy, state, options));
  }
  for (const auto& [key, pod] : state.pods) {
    fragments.push_back(CompilePodChains(pod, state, options));
  }
  fragments.push_back(CompileTopLevel(state, options));
  std::vector<const Fragment*> pointers;
  for (const Fragment& fragment : fragments) pointers.push_back(&fragment);
  return Assemble(pointers, options);
}

}  // namespace kr::policyd
