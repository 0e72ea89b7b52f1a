// Builders for the bus objects in policyd's tests (unit and privileged). Test-only.
#pragma once

#include <string>
#include <vector>

#include "common/model/namespace.h"
#include "common/model/network_policy.h"
#include "common/model/pod.h"

namespace kr::policyd::testing {

inline model::Pod MakePod(std::string ns, std::string name, model::StringMap labels, std::string ip,
                          std::string node = "node-1",
                          std::vector<model::ContainerPort> ports = {}) {
  model::Pod pod;
  pod.ns = std::move(ns);
  pod.name = std::move(name);
  pod.labels = std::move(labels);
  pod.ips = {std::move(ip)};
  pod.node_name = std::move(node);
  pod.phase = "Running";
  pod.ports = std::move(ports);
  return pod;
}

inline model::Namespace MakeNamespace(std::string name, model::StringMap labels = {}) {
  model::Namespace ns;
  ns.name = std::move(name);
  ns.labels = std::move(labels);
  return ns;
}

inline model::LabelSelector Labels(model::StringMap labels) {
  model::LabelSelector selector;
  selector.match_labels = std::move(labels);
  return selector;
}

inline model::LabelSelector Expression(std::string key, std::string op,
                                       std::vector<std::string> values = {}) {
  model::LabelSelector selector;
  selector.match_expressions.push_back({std::move(key), std::move(op), std::move(values)});
  return selector;
}

inline model::NetworkPolicyPeer PodPeer(model::LabelSelector pods) {
  model::NetworkPolicyPeer peer;
  peer.pod_selector = std::move(pods);
  return peer;
}

inline model::NetworkPolicyPeer NamespacePeer(model::LabelSelector namespaces) {
  model::NetworkPolicyPeer peer;
  peer.namespace_selector = std::move(namespaces);
  return peer;
}

inline model::NetworkPolicyPeer BothPeer(model::LabelSelector namespaces,
                                         model::LabelSelector pods) {
  model::NetworkPolicyPeer peer;
  peer.namespace_selector = std::move(namespaces);
  peer.pod_selector = std::move(pods);
  return peer;
}

inline model::NetworkPolicyPeer BlockPeer(std::string cidr, std::vector<std::string> except = {}) {
  model::NetworkPolicyPeer peer;
  peer.ip_block = model::IpBlock{std::move(cidr), std::move(except)};
  return peer;
}

inline model::NetworkPolicyPort Port(std::string protocol, int number, int end_port = 0) {
  model::NetworkPolicyPort port;
  port.protocol = std::move(protocol);
  port.port = model::IntOrString{number, ""};
  if (end_port != 0) port.end_port = end_port;
  return port;
}

inline model::NetworkPolicyPort NamedPort(std::string protocol, std::string name) {
  model::NetworkPolicyPort port;
  port.protocol = std::move(protocol);
  port.port = model::IntOrString{0, std::move(name)};
  return port;
}

inline model::NetworkPolicy MakePolicy(std::string ns, std::string name, model::LabelSelector pods,
                                       std::vector<std::string> types,
                                       std::vector<model::NetworkPolicyRule> ingress = {},
                                       std::vector<model::NetworkPolicyRule> egress = {}) {
  model::NetworkPolicy policy;
  policy.ns = std::move(ns);
  policy.name = std::move(name);
  policy.pod_selector = std::move(pods);
  policy.policy_types = std::move(types);
  policy.ingress = std::move(ingress);
  policy.egress = std::move(egress);
  return policy;
}

}  // namespace kr::policyd::testing
