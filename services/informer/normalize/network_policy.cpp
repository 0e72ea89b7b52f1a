#include "common/model/network_policy.h"

#include "services/informer/normalize/guard.h"
#include "services/informer/normalize/normalize.h"
#include "services/informer/normalize/validation.h"

namespace kr::informer {

using nlohmann::json;

namespace {

std::string Index(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

model::LabelSelector ReadSelector(const json& selector, const std::string& path) {
  model::LabelSelector out;
  out.match_labels = StringMap(selector, "matchLabels", path);
  const json& expressions = Array(selector, "matchExpressions", path);
  for (size_t i = 0; i < expressions.size(); ++i) {
    const std::string at = Index(path + ".matchExpressions", i);
    model::LabelSelectorRequirement req;
    req.key = String(expressions[i], "key", at);
    req.op = String(expressions[i], "operator", at);
    req.values = StringList(expressions[i], "values", at);
    if (req.key.empty()) Invalid(at + ".key", "missing");
    if (req.op == "In" || req.op == "NotIn") {
      if (req.values.empty()) Invalid(at + ".values", "must not be empty for " + req.op);
    } else if (req.op == "Exists" || req.op == "DoesNotExist") {
      if (!req.values.empty()) Invalid(at + ".values", "must be empty for " + req.op);
    } else {
      Invalid(at + ".operator", "unknown operator \"" + req.op + "\"");
    }
    out.match_expressions.push_back(std::move(req));
  }
  return out;
}

model::IpBlock ReadIpBlock(const json& block, const std::string& path) {
  model::IpBlock out;
  out.cidr = String(block, "cidr", path);
  if (std::string problem = CheckCidr(out.cidr, &out.cidr); !problem.empty()) {
    Invalid(path + ".cidr", problem);
  }
  out.except = StringList(block, "except", path);
  for (size_t i = 0; i < out.except.size(); ++i) {
    std::string& except = out.except[i];
    if (std::string problem = CheckCidr(except, &except); !problem.empty()) {
      Invalid(Index(path + ".except", i), problem);
    }
    if (!CidrContains(out.cidr, except)) {
      Invalid(Index(path + ".except", i), except + " is not within " + out.cidr);
    }
  }
  return out;
}

model::NetworkPolicyPeer ReadPeer(const json& peer, const std::string& path) {
  model::NetworkPolicyPeer out;
  if (const json* pods = Object(peer, "podSelector", path)) {
    out.pod_selector = ReadSelector(*pods, path + ".podSelector");
  }
  if (const json* namespaces = Object(peer, "namespaceSelector", path)) {
    out.namespace_selector = ReadSelector(*namespaces, path + ".namespaceSelector");
  }
  if (const json* block = Object(peer, "ipBlock", path)) {
    if (out.pod_selector || out.namespace_selector) {
      Invalid(path, "ipBlock cannot be combined with a selector");
    }
    out.ip_block = ReadIpBlock(*block, path + ".ipBlock");
  }
  if (!out.pod_selector && !out.namespace_selector && !out.ip_block) {
    Invalid(path, "a peer needs a podSelector, a namespaceSelector or an ipBlock");
  }
  return out;
}

model::NetworkPolicyPort ReadPort(const json& port, const std::string& path) {
  model::NetworkPolicyPort out;
  out.protocol = String(port, "protocol", path);
  if (out.protocol.empty()) out.protocol = "TCP";
  if (std::string problem = CheckProtocol(out.protocol); !problem.empty()) {
    Invalid(path + ".protocol", problem);
  }
  auto number = port.find("port");
  if (number != port.end() && !number->is_null()) {
    model::IntOrString value;
    if (number->is_string()) {
      value.name = number->get<std::string>();
      if (std::string problem = CheckPortName(value.name); !problem.empty()) {
        Invalid(path + ".port", problem);
      }
    } else {
      value.number = static_cast<int32_t>(Integer(port, "port", path, 1, 65535));
    }
    out.port = value;
  }
  auto end = port.find("endPort");
  if (end != port.end() && !end->is_null()) {
    if (!out.port || out.port->is_name()) {
      Invalid(path + ".endPort", "needs a numeric port");
    }
    out.end_port = static_cast<int32_t>(Integer(port, "endPort", path, out.port->number, 65535));
  }
  return out;
}

std::vector<model::NetworkPolicyRule> ReadRules(const json& spec, const char* key,
                                                const char* peers_key) {
  std::vector<model::NetworkPolicyRule> rules;
  const json& list = Array(spec, key, "spec");
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string path = Index(std::string("spec.") + key, i);
    model::NetworkPolicyRule rule;
    const json& ports = Array(list[i], "ports", path);
    for (size_t p = 0; p < ports.size(); ++p) {
      rule.ports.push_back(ReadPort(ports[p], Index(path + ".ports", p)));
    }
    const json& peers = Array(list[i], peers_key, path);
    for (size_t p = 0; p < peers.size(); ++p) {
      rule.peers.push_back(ReadPeer(peers[p], Index(path + "." + peers_key, p)));
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

model::NetworkPolicy Normalize(const json& object) {
  const ObjectName id = ReadName(object, /*namespaced=*/true);
  model::NetworkPolicy policy;
  policy.ns = id.ns;
  policy.name = id.name;
  const json* spec_ptr = Object(object, "spec", "");
  if (!spec_ptr) Invalid("spec", "missing");
  const json& spec = *spec_ptr;
  if (const json* selector = Object(spec, "podSelector", "spec")) {
    policy.pod_selector = ReadSelector(*selector, "spec.podSelector");
  }
  policy.ingress = ReadRules(spec, "ingress", "from");
  policy.egress = ReadRules(spec, "egress", "to");
  policy.policy_types = StringList(spec, "policyTypes", "spec");
  for (const std::string& type : policy.policy_types) {
    if (type != "Ingress" && type != "Egress") {
      Invalid("spec.policyTypes", "unknown policy type \"" + type + "\"");
    }
  }
  if (policy.policy_types.empty()) {
    // The apiserver's defaulting: every policy affects ingress; egress only with egress rules.
    policy.policy_types.push_back("Ingress");
    if (!policy.egress.empty()) policy.policy_types.push_back("Egress");
  }
  return policy;
}

}  // namespace

Expected<model::NetworkPolicy> NormalizeNetworkPolicy(const json& object) {
  return Guarded([&] { return Normalize(object); });
}

}  // namespace kr::informer
