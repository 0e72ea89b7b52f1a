// Every upstream API object in ../shared/fixtures/k8s-api-testdata (every field filled with a
// placeholder) goes through the normalizers: as shipped, each is either normalized or
// rejected with the bad field named; with the placeholders of validated fields replaced by
// real values, each normalizes and keeps, field by field, what the dataplanes need.
#include <catch2/catch.hpp>
#include <fstream>

#include "services/informer/normalize/endpoints_merger.h"
#include "services/informer/normalize/filtered_twin.h"
#include "services/informer/normalize/normalize.h"

using nlohmann::json;
using namespace kr;
using namespace kr::informer;

namespace {

json Fixture(const std::string& name) {
  std::ifstream in(std::string(KR_FIXTURES_DIR) + "/" + name);
  REQUIRE(in.good());
  return json::parse(in);
}

// Applies {"/json/pointer": value} replacements.
json Patched(json object, const json& replacements) {
  for (const auto& [pointer, value] : replacements.items()) {
    object[json::json_pointer(pointer)] = value;
  }
  return object;
}

}  // namespace

TEST_CASE("fixtures as shipped are normalized or rejected with the field named",
          "[normalize][fixtures]") {
  auto service = BothWays(KR_NORMALIZER(NormalizeService), Fixture("core.v1.Service.json"),
                          ServiceFieldsRead());
  REQUIRE_FALSE(service.ok());
  CHECK_THAT(service.error().message, Catch::Contains("spec.type"));

  auto pod = BothWays(KR_NORMALIZER(NormalizePod), Fixture("core.v1.Pod.json"), PodFieldsRead());
  REQUIRE_FALSE(pod.ok());
  CHECK_THAT(pod.error().message, Catch::Contains("spec.containers[0].ports[0]"));

  auto node =
      BothWays(KR_NORMALIZER(NormalizeNode), Fixture("core.v1.Node.json"), NodeFieldsRead());
  REQUIRE_FALSE(node.ok());
  CHECK_THAT(node.error().message, Catch::Contains("spec.podCIDRs[0]"));

  auto ns = BothWays(KR_NORMALIZER(NormalizeNamespace), Fixture("core.v1.Namespace.json"),
                     NamespaceFieldsRead());
  REQUIRE(ns.ok());  // nothing in a namespace needs more than string checks
  CHECK(ns->labels.at("labelsKey") == "labelsValue");

  auto policy =
      BothWays(KR_NORMALIZER(NormalizeNetworkPolicy),
               Fixture("networking.k8s.io.v1.NetworkPolicy.json"), NetworkPolicyFieldsRead());
  REQUIRE_FALSE(policy.ok());
  CHECK_THAT(policy.error().message, Catch::Contains("spec.podSelector.matchExpressions[0]"));

  auto slice =
      BothWays(KR_NORMALIZER(NormalizeEndpointSlice),
               Fixture("discovery.k8s.io.v1.EndpointSlice.json"), EndpointSliceFieldsRead());
  REQUIRE(slice.ok());  // no kubernetes.io/service-name label: not a service's slice
  CHECK(slice->service_key.empty());
}

TEST_CASE("the Service fixture keeps every field the proxy and router need",
          "[normalize][fixtures]") {
  json object = Patched(Fixture("core.v1.Service.json"),
                        {{"/spec/type", "LoadBalancer"},
                         {"/spec/clusterIP", "10.96.0.10"},
                         {"/spec/clusterIPs", {"10.96.0.10", "fd00:10:96::a"}},
                         {"/spec/externalIPs", {"192.0.2.7"}},
                         {"/spec/loadBalancerIP", "198.51.100.1"},
                         {"/spec/loadBalancerSourceRanges", {"203.0.113.0/24"}},
                         {"/spec/ports/0/protocol", "UDP"},
                         {"/spec/ports/0/targetPort", "dns"},
                         {"/spec/sessionAffinity", "ClientIP"},
                         {"/spec/externalTrafficPolicy", "Local"},
                         {"/spec/internalTrafficPolicy", "Cluster"},
                         {"/status/loadBalancer/ingress/0/ip", "198.51.100.2"},
                         {"/metadata/labels/service.kubernetes.io~1service-proxy-name", "other"},
                         {"/metadata/annotations/kube-router.io~1service.scheduler", "mh"}});
  auto svc = BothWays(KR_NORMALIZER(NormalizeService), object, ServiceFieldsRead());
  REQUIRE(svc.ok());
  CHECK(svc->ns == object["metadata"]["namespace"]);
  CHECK(svc->name == object["metadata"]["name"]);
  CHECK(svc->type == "LoadBalancer");
  CHECK_FALSE(svc->headless);
  CHECK(svc->cluster_ips == std::vector<std::string>{"10.96.0.10", "fd00:10:96::a"});
  CHECK(svc->external_ips == std::vector<std::string>{"192.0.2.7"});
  CHECK(svc->load_balancer_ips == std::vector<std::string>{"198.51.100.1", "198.51.100.2"});
  CHECK(svc->load_balancer_source_ranges == std::vector<std::string>{"203.0.113.0/24"});
  CHECK(svc->external_name == "externalNameValue");
  REQUIRE(svc->ports.size() == 1);
  CHECK(svc->ports[0].name == "nameValue");
  CHECK(svc->ports[0].protocol == "UDP");
  CHECK(svc->ports[0].port == 3);
  CHECK(svc->ports[0].target_port.name == "dns");
  CHECK(svc->ports[0].node_port == 5);
  CHECK(svc->session_affinity == "ClientIP");
  CHECK(svc->session_affinity_timeout_seconds == 1);
  CHECK(svc->external_traffic_policy == "Local");
  CHECK(svc->internal_traffic_policy == "Cluster");
  CHECK(svc->health_check_node_port == 12);
  CHECK(svc->proxy_name == "other");
  CHECK(svc->annotations == model::StringMap{{"kube-router.io/service.scheduler", "mh"}});
}

TEST_CASE("the Pod fixture keeps labels, addresses, node and named ports",
          "[normalize][fixtures]") {
  json object = Patched(Fixture("core.v1.Pod.json"),
                        {{"/spec/containers/0/ports/0/name", "http"},
                         {"/spec/containers/0/ports/0/protocol", "SCTP"},
                         {"/status/podIP", "10.244.1.5"},
                         {"/status/podIPs", {{{"ip", "10.244.1.5"}}, {{"ip", "fd00::5"}}}}});
  // Fields of other containers of the fixture are filled too: make their ports valid as well.
  for (const char* list : {"initContainers", "ephemeralContainers"}) {
    if (object["spec"].contains(list)) object["spec"][list] = json::array();
  }
  auto pod = BothWays(KR_NORMALIZER(NormalizePod), object, PodFieldsRead());
  REQUIRE(pod.ok());
  CHECK(pod->ns == object["metadata"]["namespace"]);
  CHECK(pod->labels == model::StringMap{{"labelsKey", "labelsValue"}});
  CHECK(pod->ips == std::vector<std::string>{"10.244.1.5", "fd00::5"});
  CHECK(pod->node_name == "nodeNameValue");
  CHECK(pod->phase == "phaseValue");
  CHECK(pod->host_network);
  REQUIRE(pod->ports.size() == 1);
  CHECK(pod->ports[0] == model::ContainerPort{"http", "SCTP", 3});
}

TEST_CASE("the Node fixture keeps pod CIDRs, addresses and kube-router annotations",
          "[normalize][fixtures]") {
  json object = Patched(Fixture("core.v1.Node.json"),
                        {{"/spec/podCIDR", "10.244.1.0/24"},
                         {"/spec/podCIDRs", {"10.244.1.0/24", "fd00:244:1::/64"}},
                         {"/status/addresses/0/type", "InternalIP"},
                         {"/status/addresses/0/address", "192.0.2.11"},
                         {"/metadata/annotations/kube-router.io~1node.asn", "64512"}});
  auto node = BothWays(KR_NORMALIZER(NormalizeNode), object, NodeFieldsRead());
  REQUIRE(node.ok());
  CHECK(node->name == object["metadata"]["name"]);
  CHECK(node->pod_cidrs == std::vector<std::string>{"10.244.1.0/24", "fd00:244:1::/64"});
  REQUIRE(node->addresses.size() == 1);
  CHECK(node->addresses[0] == model::NodeAddress{"InternalIP", "192.0.2.11"});
  CHECK(node->labels.at("labelsKey") == "labelsValue");
  CHECK(node->annotations == model::StringMap{{"kube-router.io/node.asn", "64512"}});
}

TEST_CASE("the NetworkPolicy fixture keeps the whole spec", "[normalize][fixtures]") {
  json object = Fixture("networking.k8s.io.v1.NetworkPolicy.json");
  for (const char* direction : {"ingress", "egress"}) {
    const char* peers = std::string(direction) == "ingress" ? "from" : "to";
    json& rule = object["spec"][direction][0];
    rule["ports"][0] = {{"protocol", "UDP"}, {"port", 53}, {"endPort", 60}};
    rule[peers][0].erase("ipBlock");  // the API forbids an ipBlock beside selectors
    rule[peers][0]["podSelector"]["matchExpressions"][0]["operator"] = "In";
    rule[peers][0]["namespaceSelector"]["matchExpressions"][0]["operator"] = "NotIn";
    rule[peers].push_back({{"ipBlock", {{"cidr", "10.0.0.0/8"}, {"except", {"10.1.0.0/16"}}}}});
  }
  object["spec"]["podSelector"]["matchExpressions"][0]["operator"] = "In";
  object["spec"]["policyTypes"] = {"Ingress", "Egress"};

  auto policy = BothWays(KR_NORMALIZER(NormalizeNetworkPolicy), object, NetworkPolicyFieldsRead());
  REQUIRE(policy.ok());
  CHECK(policy->pod_selector.match_labels ==
        model::StringMap{{"matchLabelsKey", "matchLabelsValue"}});
  CHECK(policy->pod_selector.match_expressions[0] ==
        model::LabelSelectorRequirement{"keyValue", "In", {"valuesValue"}});
  CHECK(policy->policy_types == std::vector<std::string>{"Ingress", "Egress"});
  REQUIRE(policy->ingress.size() == 1);
  REQUIRE(policy->egress.size() == 1);
  for (const auto* rule : {&policy->ingress[0], &policy->egress[0]}) {
    REQUIRE(rule->ports.size() == 1);
    CHECK(rule->ports[0].protocol == "UDP");
    CHECK(rule->ports[0].port == model::IntOrString{53, ""});
    CHECK(rule->ports[0].end_port == 60);
    REQUIRE(rule->peers.size() == 2);
    CHECK(rule->peers[0].pod_selector->match_expressions[0].op == "In");
    CHECK(rule->peers[0].namespace_selector->match_expressions[0].op == "NotIn");
    CHECK_FALSE(rule->peers[0].ip_block.has_value());
    CHECK(rule->peers[1].ip_block == model::IpBlock{"10.0.0.0/8", {"10.1.0.0/16"}});
  }
}

TEST_CASE("the EndpointSlice fixture merges into its service's endpoints",
          "[normalize][fixtures]") {
  json object = Patched(Fixture("discovery.k8s.io.v1.EndpointSlice.json"),
                        {{"/addressType", "IPv4"},
                         {"/endpoints/0/addresses", {"10.244.2.9"}},
                         {"/ports/0/protocol", "TCP"},
                         {"/metadata/labels/kubernetes.io~1service-name", "web"}});
  auto share = BothWays(KR_NORMALIZER(NormalizeEndpointSlice), object, EndpointSliceFieldsRead());
  REQUIRE(share.ok());
  const std::string ns = object["metadata"]["namespace"];
  CHECK(share->service_key == ns + "/web");
  REQUIRE(share->endpoints.size() == 1);
  const model::Endpoint& e = share->endpoints[0];
  CHECK(e.addresses == std::vector<std::string>{"10.244.2.9"});
  CHECK(e.ready);
  CHECK(e.serving);
  CHECK(e.terminating);
  CHECK(e.node_name == "nodeNameValue");
  CHECK(e.zone == "zoneValue");
  CHECK(e.hostname == "hostnameValue");
  CHECK(e.ports.empty());  // the slice's, held once in the share
  REQUIRE(share->ports.size() == 1);
  CHECK(share->ports[0] == model::EndpointPort{"nameValue", "TCP", 3});

  EndpointsMerger merger;
  auto changes = merger.Upsert("slice", *share);
  REQUIRE(changes.size() == 1);
  REQUIRE(changes[0].merged.has_value());
  CHECK(changes[0].merged->name == "web");
  model::Endpoint with_ports = e;
  with_ports.ports = share->ports;
  CHECK(changes[0].merged->endpoints == std::vector<model::Endpoint>{with_ports});
}
