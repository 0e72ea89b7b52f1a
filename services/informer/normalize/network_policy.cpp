#include "common/model/network_policy.h"

#include "services/informer/normalize/guard.h"
#include "services/informer/normalize/normalize.h"
#include "services/informer/normalize/validation.h"

namespace kr::informer {

namespace {

model::LabelSelector ReadSelector(JsonView selector, const FieldPath& path) {
  model::LabelSelector out;
  out.match_labels = StringMap(selector, "matchLabels", path);
  const FieldPath expressions = path.Member("matchExpressions");
  size_t i = 0;
  for (JsonView expression : Array(selector, "matchExpressions", path)) {
    const FieldPath at = expressions.Index(i++);
    model::LabelSelectorRequirement req;
    req.key = String(expression, "key", at);
    req.op = String(expression, "operator", at);
    req.values = StringList(expression, "values", at);
    if (req.key.empty()) Invalid(at.Member("key"), "missing");
    if (req.op == "In" || req.op == "NotIn") {
      if (req.values.empty()) Invalid(at.Member("values"), "must not be empty for " + req.op);
    } else if (req.op == "Exists" || req.op == "DoesNotExist") {
      if (!req.values.empty()) Invalid(at.Member("values"), "must be empty for " + req.op);
    } else {
      Invalid(at.Member("operator"), "unknown operator \"" + req.op + "\"");
    }
    out.match_expressions.push_back(std::move(req));
  }
  return out;
}

model::IpBlock ReadIpBlock(JsonView block, const FieldPath& path) {
  model::IpBlock out;
  out.cidr = String(block, "cidr", path);
  if (std::string problem = CheckCidr(out.cidr, &out.cidr); !problem.empty()) {
    Invalid(path.Member("cidr"), problem);
  }
  out.except = StringList(block, "except", path);
  const FieldPath excepts = path.Member("except");
  for (size_t i = 0; i < out.except.size(); ++i) {
    std::string& except = out.except[i];
    if (std::string problem = CheckCidr(except, &except); !problem.empty()) {
      Invalid(excepts.Index(i), problem);
    }
    if (!CidrContains(out.cidr, except)) {
      Invalid(excepts.Index(i), except + " is not within " + out.cidr);
    }
  }
  return out;
}

model::NetworkPolicyPeer ReadPeer(JsonView peer, const FieldPath& path) {
  model::NetworkPolicyPeer out;
  if (const JsonView pods = Object(peer, "podSelector", path); !pods.absent()) {
    out.pod_selector = ReadSelector(pods, path.Member("podSelector"));
  }
  if (const JsonView namespaces = Object(peer, "namespaceSelector", path); !namespaces.absent()) {
    out.namespace_selector = ReadSelector(namespaces, path.Member("namespaceSelector"));
  }
  if (const JsonView block = Object(peer, "ipBlock", path); !block.absent()) {
    if (out.pod_selector || out.namespace_selector) {
      Invalid(path, "ipBlock cannot be combined with a selector");
    }
    out.ip_block = ReadIpBlock(block, path.Member("ipBlock"));
  }
  if (!out.pod_selector && !out.namespace_selector && !out.ip_block) {
    Invalid(path, "a peer needs a podSelector, a namespaceSelector or an ipBlock");
  }
  return out;
}

model::NetworkPolicyPort ReadPort(JsonView port, const FieldPath& path) {
  model::NetworkPolicyPort out;
  out.protocol = String(port, "protocol", path);
  if (out.protocol.empty()) out.protocol = "TCP";
  if (std::string problem = CheckProtocol(out.protocol); !problem.empty()) {
    Invalid(path.Member("protocol"), problem);
  }
  if (const JsonView number = port.find("port"); !number.unset()) {
    model::IntOrString value;
    if (number.is_string()) {
      value.name = number.string();
      if (std::string problem = CheckPortName(value.name); !problem.empty()) {
        Invalid(path.Member("port"), problem);
      }
    } else {
      value.number = static_cast<int32_t>(Integer(port, "port", path, 1, 65535));
    }
    out.port = value;
  }
  if (!port.find("endPort").unset()) {
    if (!out.port || out.port->is_name()) {
      Invalid(path.Member("endPort"), "needs a numeric port");
    }
    out.end_port = static_cast<int32_t>(Integer(port, "endPort", path, out.port->number, 65535));
  }
  return out;
}

std::vector<model::NetworkPolicyRule> ReadRules(JsonView spec, const char* key,
                                                const char* peers_key) {
  std::vector<model::NetworkPolicyRule> rules;
  const FieldPath spec_path("spec");
  const FieldPath list_path = spec_path.Member(key);
  size_t i = 0;
  for (JsonView entry : Array(spec, key, "spec")) {
    const FieldPath path = list_path.Index(i++);
    model::NetworkPolicyRule rule;
    const FieldPath ports_path = path.Member("ports");
    size_t p = 0;
    for (JsonView port : Array(entry, "ports", path)) {
      rule.ports.push_back(ReadPort(port, ports_path.Index(p++)));
    }
    const FieldPath peers_path = path.Member(peers_key);
    p = 0;
    for (JsonView peer : Array(entry, peers_key, path)) {
      rule.peers.push_back(ReadPeer(peer, peers_path.Index(p++)));
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

model::NetworkPolicy Normalize(JsonView object) {
  const ObjectName id = ReadName(object, /*namespaced=*/true);
  model::NetworkPolicy policy;
  policy.ns = id.ns;
  policy.name = id.name;
  const JsonView spec = Object(object, "spec", "");
  if (spec.absent()) Invalid("spec", "missing");
  if (const JsonView selector = Object(spec, "podSelector", "spec"); !selector.absent()) {
    policy.pod_selector = ReadSelector(selector, "spec.podSelector");
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

Expected<model::NetworkPolicy> NormalizeNetworkPolicy(JsonView object) {
  return Guarded([&] { return Normalize(object); });
}

}  // namespace kr::informer
