// Sample objects of every kind with most fields set, shared by the model's tests (round trips,
// wire names, the CBOR decoder against its reference).
#pragma once

#include "common/model/model.h"

namespace kr::model::samples {

inline Pod SamplePod() {
  return Pod{"default",
             "web-7d4b9c-x2x9q",
             {{"app", "web"}, {"pod-template-hash", "7d4b9c"}, {"tier", "frontend-long-value"}},
             {"10.244.1.5", "fd00::5"},
             "node-a",
             "Running",
             false,
             {{"http", "TCP", 8080}, {"", "UDP", 53}}};
}

inline Service SampleService() {
  Service s;
  s.ns = "default";
  s.name = "web";
  s.type = "LoadBalancer";
  s.cluster_ips = {"10.96.0.10", "fd00:10:96::a"};
  s.ip_families = {"IPv4", "IPv6"};
  s.external_ips = {"192.0.2.10"};
  s.load_balancer_ips = {"198.51.100.7"};
  s.load_balancer_source_ranges = {"203.0.113.0/24"};
  s.ports = {ServicePort{"http", "TCP", 80, IntOrString{0, "web"}, 30080},
             ServicePort{"dns", "UDP", 53, IntOrString{5353, ""}, 0}};
  s.session_affinity = "ClientIP";
  s.session_affinity_timeout_seconds = 10800;
  s.external_traffic_policy = "Local";
  s.health_check_node_port = 32000;
  s.proxy_name = "other";
  s.annotations = {{"kube-router.io/service.scheduler", "mh"},
                   {"kube-router.io/service.dsr", "tunnel"}};
  return s;
}

inline NetworkPolicy SamplePolicy() {
  NetworkPolicy p;
  p.ns = "x";
  p.name = "allow-web";
  p.pod_selector.match_labels = {{"app", "web"}};
  p.pod_selector.match_expressions = {LabelSelectorRequirement{"tier", "NotIn", {"db"}}};
  p.policy_types = {"Ingress", "Egress"};
  NetworkPolicyPeer from_pods;
  from_pods.pod_selector = LabelSelector{};  // present and empty
  from_pods.namespace_selector = LabelSelector{{}, {{"team", "In", {"a", "b"}}}};
  NetworkPolicyPeer from_block;
  from_block.ip_block = IpBlock{"192.0.2.0/24", {"192.0.2.128/25"}};
  NetworkPolicyPort by_name{"TCP", IntOrString{0, "http"}, std::nullopt};
  NetworkPolicyPort range{"UDP", IntOrString{1000, ""}, 2000};
  p.ingress = {NetworkPolicyRule{{by_name, range}, {from_pods, from_block}},
               NetworkPolicyRule{{{"SCTP", std::nullopt, std::nullopt}}, {NetworkPolicyPeer{}}}};
  p.egress = {NetworkPolicyRule{}, NetworkPolicyRule{{{"TCP", IntOrString{}, 0}}, {from_block}}};
  return p;
}

inline Endpoints SampleEndpoints() {
  return Endpoints{
      "default",
      "web",
      {Endpoint{{"10.244.1.5"}, true, true, false, "node-a", "z1", "", {{"http", "TCP", 80}}},
       Endpoint{{"10.244.2.7", "fd00::7"}, false, true, true, "node-b", "", "h", {}}}};
}

inline Node SampleNode() {
  return Node{"node-a",
              {{"InternalIP", "192.0.2.1"}, {"Hostname", "node-a"}},
              {"10.244.1.0/24", "fd00:244:1::/64"},
              {{"zone", "z"}},
              {{"kube-router.io/node.asn", "64512"}}};
}

}  // namespace kr::model::samples
