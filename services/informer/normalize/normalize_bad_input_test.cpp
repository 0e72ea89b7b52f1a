// The bad-input corpus: each malformed object is rejected with the offending field named, and
// the defaults the apiserver would apply are applied to well-formed ones.
#include <catch2/catch.hpp>

#include "services/informer/normalize/endpoints_merger.h"
#include "services/informer/normalize/filtered_twin.h"
#include "services/informer/normalize/normalize.h"
#include "services/informer/normalize/validation.h"

using nlohmann::json;
using namespace kr;
using namespace kr::informer;

namespace {

json Service(json spec) {
  return {{"metadata", {{"namespace", "default"}, {"name", "web"}}}, {"spec", std::move(spec)}};
}
json Pod(json spec, json status = json::object(), json labels = json::object()) {
  return {{"metadata", {{"namespace", "default"}, {"name", "p"}, {"labels", std::move(labels)}}},
          {"spec", std::move(spec)},
          {"status", std::move(status)}};
}
json Policy(json spec) {
  return {{"metadata", {{"namespace", "default"}, {"name", "np"}}}, {"spec", std::move(spec)}};
}
json Slice(json endpoints, std::string address_type = "IPv4") {
  return {{"metadata",
           {{"namespace", "default"},
            {"name", "web-abc"},
            {"labels", {{"kubernetes.io/service-name", "web"}}}}},
          {"addressType", address_type},
          {"endpoints", std::move(endpoints)},
          {"ports", {{{"name", "http"}, {"port", 8080}, {"protocol", "TCP"}}}}};
}

template <typename Result>
std::string ErrorOf(const Result& result) {
  return result.ok() ? std::string("accepted") : result.error().message;
}

}  // namespace

TEST_CASE("malformed services are rejected with the field named", "[normalize][bad]") {
  const std::vector<std::pair<json, std::string>> corpus = {
      {Service({{"clusterIP", "10.96.0.300"}}), "spec.clusterIPs[0]"},
      {Service({{"clusterIP", "10.0.0.1"}, {"ports", {{{"port", 70000}}}}}), "spec.ports[0].port"},
      {Service({{"ports", {{{"port", 0}}}}}), "spec.ports[0].port"},
      {Service({{"ports", {{{"port", 80}, {"protocol", "ICMP"}}}}}), "spec.ports[0].protocol"},
      {Service({{"ports", {{{"port", 80}, {"targetPort", "Not_A_Name"}}}}}),
       "spec.ports[0].targetPort"},
      {Service({{"ports", {{{"port", "80"}}}}}), "spec.ports[0].port: not an integer"},
      {Service({{"externalIPs", {"300.1.1.1"}}}), "spec.externalIPs[0]"},
      {Service({{"externalIPs", "192.0.2.1"}}), "spec.externalIPs: not a list"},
      {Service({{"type", "Magic"}}), "spec.type"},
      {Service({{"sessionAffinity", "Cookie"}}), "spec.sessionAffinity"},
      {Service({{"externalTrafficPolicy", "Nearest"}}), "spec.externalTrafficPolicy"},
      {Service({{"loadBalancerSourceRanges", {"10.0.0.0/33"}}}), "spec.loadBalancerSourceRanges"},
      {json{{"metadata", {{"name", "no-namespace"}}}}, "metadata.namespace"},
      {json{{"metadata", {{"namespace", "default"}}}}, "metadata.name"},
      {json::array(), "not a JSON object"},
  };
  for (const auto& [object, field] : corpus) {
    INFO(object.dump());
    CHECK_THAT(ErrorOf(BothWays(KR_NORMALIZER(NormalizeService), object, ServiceFieldsRead())),
               Catch::Contains(field));
  }
}

TEST_CASE("service defaults are the apiserver's", "[normalize]") {
  auto svc = BothWays(KR_NORMALIZER(NormalizeService),
                      Service({{"clusterIP", "10.96.0.1"},
                               {"sessionAffinity", "ClientIP"},
                               {"ports", {{{"port", 443}}}}}),
                      ServiceFieldsRead());
  REQUIRE(svc.ok());
  CHECK(svc->type == "ClusterIP");
  CHECK(svc->ports[0].protocol == "TCP");
  CHECK(svc->ports[0].target_port == model::IntOrString{443, ""});
  CHECK(svc->session_affinity_timeout_seconds == 10800);
  CHECK(svc->external_traffic_policy == "Cluster");

  auto headless = BothWays(KR_NORMALIZER(NormalizeService), Service({{"clusterIP", "None"}}),
                           ServiceFieldsRead());
  REQUIRE(headless.ok());
  CHECK(headless->headless);
  CHECK(headless->cluster_ips.empty());
}

TEST_CASE("malformed pods are rejected with the field named", "[normalize][bad]") {
  const std::string huge(64, 'a');
  const std::vector<std::pair<json, std::string>> corpus = {
      {Pod(json::object(), {{"podIP", "10.244.1"}}), "status.podIP"},
      {Pod(json::object(), {{"podIPs", {{{"ip", "fd00::zz"}}}}}), "status.podIPs[0].ip"},
      {Pod({{"containers", {{{"ports", {{{"containerPort", 0}}}}}}}}),
       "spec.containers[0].ports[0].containerPort"},
      {Pod({{"containers", {{{"ports", {{{"containerPort", 80}, {"protocol", "GRE"}}}}}}}}),
       "spec.containers[0].ports[0].protocol"},
      {Pod({{"containers", {{{"ports", {{{"containerPort", 80}, {"name", "-bad"}}}}}}}}),
       "spec.containers[0].ports[0].name"},
      {Pod({{"hostNetwork", "yes"}}), "spec.hostNetwork: not a boolean"},
      {Pod(json::object(), json::object(), {{"app", huge}}), "metadata.labels"},
      {Pod(json::object(), json::object(), {{std::string(300, 'k'), "v"}}), "metadata.labels"},
      {Pod(json::object(), json::object(), {{"app", 5}}), "metadata.labels.app: not a string"},
  };
  for (const auto& [object, field] : corpus) {
    INFO(object.dump());
    CHECK_THAT(ErrorOf(BothWays(KR_NORMALIZER(NormalizePod), object, PodFieldsRead())),
               Catch::Contains(field));
  }
}

TEST_CASE("malformed network policies are rejected with the field named", "[normalize][bad]") {
  const std::vector<std::pair<json, std::string>> corpus = {
      {Policy({{"ingress", {{{"from", {{{"ipBlock", {{"cidr", "10.0.0.0/40"}}}}}}}}}}),
       "spec.ingress[0].from[0].ipBlock.cidr"},
      {Policy({{"ingress",
                {{{"from",
                   {{{"ipBlock", {{"cidr", "10.0.0.0/8"}, {"except", {"11.0.0.0/16"}}}}}}}}}}}),
       "spec.ingress[0].from[0].ipBlock.except[0]"},
      {Policy({{"egress", {{{"ports", {{{"protocol", "ICMP"}}}}}}}}),
       "spec.egress[0].ports[0].protocol"},
      {Policy({{"egress", {{{"ports", {{{"port", 80}, {"endPort", 79}}}}}}}}),
       "spec.egress[0].ports[0].endPort"},
      {Policy({{"egress", {{{"ports", {{{"port", "http"}, {"endPort", 90}}}}}}}}),
       "needs a numeric port"},
      {Policy({{"egress", {{{"ports", {{{"port", 65536}}}}}}}}), "spec.egress[0].ports[0].port"},
      {Policy({{"ingress", {{{"from", {json::object()}}}}}}), "spec.ingress[0].from[0]"},
      {Policy({{"ingress",
                {{{"from",
                   {{{"podSelector", json::object()}, {"ipBlock", {{"cidr", "10.0.0.0/8"}}}}}}}}}}),
       "cannot be combined"},
      {Policy(json::parse(
           R"({"podSelector": {"matchExpressions": [{"key": "a", "operator": "In"}]}})")),
       "must not be empty"},
      {Policy(json::parse(
           R"({"podSelector": {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}})")),
       "must be empty"},
      {Policy({{"policyTypes", {"Sideways"}}}), "spec.policyTypes"},
  };
  for (const auto& [object, field] : corpus) {
    INFO(object.dump());
    CHECK_THAT(
        ErrorOf(BothWays(KR_NORMALIZER(NormalizeNetworkPolicy), object, NetworkPolicyFieldsRead())),
        Catch::Contains(field));
  }
}

TEST_CASE("policyTypes default as the apiserver defaults them", "[normalize]") {
  // Unknown fields are ignored: a rule holding only a stray podSelector is an empty rule.
  auto stray = BothWays(KR_NORMALIZER(NormalizeNetworkPolicy),
                        Policy({{"ingress", {{{"podSelector", json::object()}}}}}),
                        NetworkPolicyFieldsRead());
  REQUIRE(stray.ok());
  CHECK(stray->ingress.size() == 1);
  CHECK(stray->ingress[0].peers.empty());

  auto ingress_only =
      BothWays(KR_NORMALIZER(NormalizeNetworkPolicy), Policy({{"podSelector", json::object()}}),
               NetworkPolicyFieldsRead());
  REQUIRE(ingress_only.ok());
  CHECK(ingress_only->policy_types == std::vector<std::string>{"Ingress"});
  auto with_egress =
      BothWays(KR_NORMALIZER(NormalizeNetworkPolicy),
               Policy({{"podSelector", json::object()}, {"egress", {json::object()}}}),
               NetworkPolicyFieldsRead());
  REQUIRE(with_egress.ok());
  CHECK(with_egress->policy_types == std::vector<std::string>{"Ingress", "Egress"});
  // An empty rule (no ports, no peers) is kept: it means "everything".
  REQUIRE(with_egress->egress.size() == 1);
  CHECK(with_egress->egress[0].peers.empty());
  CHECK(with_egress->egress[0].ports.empty());
}

TEST_CASE("malformed endpoint slices are rejected; conditions default as the API says",
          "[normalize][bad]") {
  CHECK_THAT(ErrorOf(BothWays(KR_NORMALIZER(NormalizeEndpointSlice),
                              Slice({{{"addresses", {"10.1.1"}}}}), EndpointSliceFieldsRead())),
             Catch::Contains("endpoints[0].addresses"));
  CHECK_THAT(ErrorOf(BothWays(KR_NORMALIZER(NormalizeEndpointSlice),
                              Slice({{{"addresses", json::array()}}}), EndpointSliceFieldsRead())),
             Catch::Contains("endpoints[0].addresses"));
  CHECK_THAT(ErrorOf(BothWays(KR_NORMALIZER(NormalizeEndpointSlice), Slice(json::array(), "IPX"),
                              EndpointSliceFieldsRead())),
             Catch::Contains("addressType"));

  auto fqdn =
      BothWays(KR_NORMALIZER(NormalizeEndpointSlice),
               Slice({{{"addresses", {"db.example.test"}}}}, "FQDN"), EndpointSliceFieldsRead());
  REQUIRE(fqdn.ok());
  CHECK(fqdn->endpoints.empty());

  auto share = BothWays(KR_NORMALIZER(NormalizeEndpointSlice),
                        Slice({{{"addresses", {"10.1.1.1"}}},
                               {{"addresses", {"10.1.1.2"}},
                                {"conditions", {{"ready", false}, {"terminating", true}}}}}),
                        EndpointSliceFieldsRead());
  REQUIRE(share.ok());
  REQUIRE(share->endpoints.size() == 2);
  CHECK(share->endpoints[0].ready);
  CHECK(share->endpoints[0].serving);
  CHECK_FALSE(share->endpoints[0].terminating);
  CHECK_FALSE(share->endpoints[1].ready);
  CHECK_FALSE(share->endpoints[1].serving);  // serving defaults to ready
  CHECK(share->endpoints[1].terminating);
}

TEST_CASE("slices merge per service, deduplicated and stable", "[normalize][merge]") {
  auto endpoint = [](std::string ip, bool ready) {
    model::Endpoint e;
    e.addresses = {std::move(ip)};
    e.ready = ready;
    e.serving = ready;
    e.ports = {{"http", "TCP", 80}};
    return e;
  };
  EndpointsMerger merger;
  auto first = merger.Upsert("default/web-a", {"default/web", {endpoint("10.0.0.2", true)}});
  REQUIRE(first.size() == 1);
  CHECK(first[0].merged->endpoints.size() == 1);

  // The same endpoint in a second slice, not ready there: the ready copy wins.
  auto second = merger.Upsert(
      "default/web-b", {"default/web", {endpoint("10.0.0.2", false), endpoint("10.0.0.1", true)}});
  REQUIRE(second.size() == 1);
  const auto& merged = second[0].merged->endpoints;
  REQUIRE(merged.size() == 2);
  CHECK(merged[0].addresses[0] == "10.0.0.1");  // sorted by address
  CHECK(merged[1].addresses[0] == "10.0.0.2");
  CHECK(merged[1].ready);

  // A slice relabelled to another service republishes both services.
  auto moved = merger.Upsert("default/web-b", {"default/api", {endpoint("10.0.0.9", true)}});
  REQUIRE(moved.size() == 2);
  CHECK(moved[0].service_key == "default/web");
  CHECK(moved[0].merged->endpoints.size() == 1);
  CHECK(moved[1].service_key == "default/api");

  auto gone = merger.Delete("default/web-a");
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].service_key == "default/web");
  CHECK_FALSE(gone[0].merged.has_value());  // no slice left: delete the Endpoints object
  CHECK(merger.Delete("default/unknown").empty());
}

TEST_CASE("address and label validation", "[normalize][validation]") {
  std::string canonical;
  CHECK(CheckIp("2001:DB8:0:0::1", &canonical).empty());
  CHECK(canonical == "2001:db8::1");
  CHECK_FALSE(CheckIp("1.2.3.4.5").empty());
  CHECK(CheckCidr("10.0.0.0/8").empty());
  CHECK_FALSE(CheckCidr("10.0.0.0").empty());
  CHECK_FALSE(CheckCidr("10.0.0.0/").empty());
  CHECK_FALSE(CheckCidr("fd00::/129").empty());
  CHECK(CidrContains("10.0.0.0/8", "10.1.0.0/16"));
  CHECK_FALSE(CidrContains("10.0.0.0/8", "11.0.0.0/16"));
  CHECK_FALSE(CidrContains("10.0.0.0/16", "10.0.0.0/8"));
  CHECK(CheckPortName("http-alt").empty());
  CHECK_FALSE(CheckPortName("8080").empty());
  CHECK_FALSE(CheckPortName("a--b").empty());
  CHECK_FALSE(CheckPortName("sixteen-chars-xx").empty());
  CHECK(CheckLabels({{"app.kubernetes.io/name", "web"}, {"empty", ""}}).empty());
  CHECK_FALSE(CheckLabels({{"Bad_Prefix/name", "x"}}).empty());
  CHECK_FALSE(CheckLabels({{"name", "-x"}}).empty());
}
