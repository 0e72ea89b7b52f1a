#include "common/model/model.h"

#include <catch2/catch.hpp>

namespace kr::model {
namespace {

template <typename T>
T RoundTrip(const T& in) {
  auto cbor = nlohmann::json::to_cbor(nlohmann::json(in));
  auto decoded = Decode<T>(nlohmann::json::from_cbor(cbor));
  REQUIRE(decoded.ok());
  return *decoded;
}

Service SampleService() {
  Service s;
  s.ns = "default";
  s.name = "web";
  s.type = "LoadBalancer";
  s.cluster_ips = {"10.96.0.10", "fd00:10:96::a"};
  s.ip_families = {"IPv4", "IPv6"};
  s.external_ips = {"192.0.2.10"};
  s.load_balancer_ips = {"198.51.100.7"};
  s.ports = {ServicePort{"http", "TCP", 80, IntOrString{0, "web"}, 30080},
             ServicePort{"dns", "UDP", 53, IntOrString{5353, ""}, 0}};
  s.session_affinity = "ClientIP";
  s.session_affinity_timeout_seconds = 10800;
  s.external_traffic_policy = "Local";
  s.health_check_node_port = 32000;
  s.annotations = {{"kube-router.io/service.scheduler", "mh"}};
  return s;
}

NetworkPolicy SamplePolicy() {
  NetworkPolicy p;
  p.ns = "x";
  p.name = "allow-web";
  p.pod_selector.match_labels = {{"app", "web"}};
  p.policy_types = {"Ingress", "Egress"};
  NetworkPolicyPeer from_pods;
  from_pods.pod_selector = LabelSelector{};  // present and empty: every pod of the namespace
  from_pods.namespace_selector =
      LabelSelector{{}, {LabelSelectorRequirement{"team", "In", {"a", "b"}}}};
  NetworkPolicyPeer from_block;
  from_block.ip_block = IpBlock{"192.0.2.0/24", {"192.0.2.128/25"}};
  NetworkPolicyPort by_name{"TCP", IntOrString{0, "http"}, std::nullopt};
  NetworkPolicyPort range{"UDP", IntOrString{1000, ""}, 2000};
  p.ingress = {NetworkPolicyRule{{by_name, range}, {from_pods, from_block}}};
  p.egress = {NetworkPolicyRule{}};  // allow all egress
  return p;
}

TEST_CASE("model: every kind survives a CBOR round trip", "[model]") {
  CHECK(RoundTrip(SampleService()) == SampleService());
  CHECK(RoundTrip(SamplePolicy()) == SamplePolicy());

  Endpoints e{"default", "web", {}};
  e.endpoints.push_back(
      Endpoint{{"10.244.1.5"}, true, true, false, "node-a", "zone-1", "", {{"http", "TCP", 8080}}});
  CHECK(RoundTrip(e) == e);

  Pod pod{"x",      "a",       {{"pod", "a"}}, {"10.244.1.5"},
          "node-a", "Running", false,          {ContainerPort{"http", "TCP", 80}}};
  CHECK(RoundTrip(pod) == pod);

  Node node{"node-a",
            {{"InternalIP", "192.0.2.1"}},
            {"10.244.1.0/24"},
            {{"zone", "z"}},
            {{"kube-router.io/node.asn", "64512"}}};
  CHECK(RoundTrip(node) == node);

  Namespace ns{"x", {{"ns", "x"}}, {}};
  CHECK(RoundTrip(ns) == ns);
}

TEST_CASE("model: wire names follow the schemas", "[model]") {
  nlohmann::json j = SamplePolicy();
  CHECK(j.at("namespace") == "x");
  const auto& rule = j.at("ingress").at(0);
  CHECK(rule.at("ports").at(0).at("port") == "http");
  CHECK(rule.at("ports").at(1).at("port") == 1000);
  CHECK(rule.at("ports").at(1).at("endPort") == 2000);
  CHECK_FALSE(rule.at("ports").at(0).contains("endPort"));
  CHECK(rule.at("from").at(0).at("podSelector") ==
        nlohmann::json{{"matchLabels", nlohmann::json::object()},
                       {"matchExpressions", nlohmann::json::array()}});
  CHECK_FALSE(rule.at("from").at(1).contains("podSelector"));
  CHECK(j.at("egress").at(0).at("to") == nlohmann::json::array());

  nlohmann::json s = SampleService();
  CHECK(s.at("ports").at(0).at("targetPort") == "web");
  CHECK(s.at("ports").at(1).at("targetPort") == 5353);
  CHECK(s.at("clusterIPs").size() == 2);
}

TEST_CASE("model: absent fields take defaults and unknown fields are ignored", "[model]") {
  auto pod = Decode<Pod>(nlohmann::json{{"namespace", "x"}, {"name", "b"}, {"future", 1}});
  REQUIRE(pod.ok());
  CHECK(pod->ns == "x");
  CHECK(pod->ips.empty());
  CHECK_FALSE(pod->host_network);

  auto peer = Decode<NetworkPolicyPeer>(nlohmann::json::object());
  REQUIRE(peer.ok());
  CHECK_FALSE(peer->pod_selector.has_value());
}

TEST_CASE("model: wrong types are errors, not exceptions", "[model]") {
  CHECK_FALSE(Decode<Pod>(nlohmann::json{{"name", 5}}).ok());
  CHECK_FALSE(Decode<Pod>(nlohmann::json::array()).ok());
  CHECK_FALSE(Decode<Service>(nlohmann::json{{"ports", {{{"targetPort", true}}}}}).ok());
  CHECK_FALSE(Decode<NetworkPolicy>(nlohmann::json{{"ingress", "all"}}).ok());
  auto bad = Decode<Node>(nlohmann::json{{"addresses", {1, 2}}});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == EINVAL);
}

}  // namespace
}  // namespace kr::model
