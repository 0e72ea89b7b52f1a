#include "common/model/model.h"

#include <catch2/catch.hpp>

#include "common/model/model_test_samples.h"

namespace kr::model {
namespace {

using namespace samples;

template <typename T>
T RoundTrip(const T& in) {
  auto cbor = nlohmann::json::to_cbor(nlohmann::json(in));
  auto decoded = Decode<T>(nlohmann::json::from_cbor(cbor));
  REQUIRE(decoded.ok());
  return *decoded;
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

template <typename T>
T CborRoundTrip(const T& in) {
  auto cbor = nlohmann::json::to_cbor(nlohmann::json(in));
  auto decoded =
      DecodeCbor<T>(std::string_view(reinterpret_cast<const char*>(cbor.data()), cbor.size()));
  REQUIRE(decoded.ok());
  return *decoded;
}

Expected<Pod> PodFromCbor(const nlohmann::json& value) {
  auto cbor = nlohmann::json::to_cbor(value);
  return DecodeCbor<Pod>(std::string(cbor.begin(), cbor.end()));
}

TEST_CASE("model: the direct CBOR decode gives what the JSON path gives", "[model]") {
  CHECK(CborRoundTrip(SampleService()) == SampleService());
  CHECK(CborRoundTrip(SamplePolicy()) == SamplePolicy());
  Pod pod{"x", "a", {{"pod", "a"}}, {"10.244.1.5", "fd00::5"}, "n", "Running", true, {}};
  CHECK(CborRoundTrip(pod) == pod);
  Endpoints e{"default", "web", {Endpoint{{"10.244.1.5"}, true, false, true, "n", "", "h", {}}}};
  CHECK(CborRoundTrip(e) == e);
}

TEST_CASE("model: direct CBOR decode follows the same rules", "[model]") {
  // null keeps the default; unknown keys, nested ones included, are skipped.
  auto pod = PodFromCbor({{"name", "b"},
                          {"phase", nullptr},
                          {"future", {{"deep", {1, {{"x", nullptr}}, "s"}}}},
                          {"ips", {"10.0.0.1"}}});
  REQUIRE(pod.ok());
  CHECK(pod->name == "b");
  CHECK(pod->phase.empty());
  CHECK(pod->ips == std::vector<std::string>{"10.0.0.1"});

  // Wrong types and out-of-range integers are errors.
  CHECK_FALSE(PodFromCbor({{"name", 5}}).ok());
  CHECK_FALSE(PodFromCbor({{"ports", {{{"containerPort", 4294967296}}}}}).ok());
  CHECK_FALSE(PodFromCbor({{"labels", {{"a", 1}}}}).ok());
  CHECK_FALSE(PodFromCbor(nlohmann::json::array()).ok());

  // Bytes that are not exactly one CBOR item.
  auto cbor = nlohmann::json::to_cbor(nlohmann::json{{"name", "b"}});
  std::string bytes(cbor.begin(), cbor.end());
  CHECK(DecodeCbor<Pod>(bytes).ok());
  CHECK_FALSE(DecodeCbor<Pod>(bytes.substr(0, bytes.size() - 1)).ok());
  CHECK_FALSE(DecodeCbor<Pod>(bytes + "x").ok());
  CHECK_FALSE(DecodeCbor<Pod>("").ok());
}

TEST_CASE("model: policy rule peers are named by direction", "[model]") {
  nlohmann::json wire{{"ingress",
                       {{{"from", {{{"ipBlock", {{"cidr", "192.0.2.0/24"}}}}}},
                         {"to", {{{"ipBlock", {{"cidr", "198.51.100.0/24"}}}}}}}}},
                      {"egress", nullptr}};
  auto policy = Decode<NetworkPolicy>(wire);
  REQUIRE(policy.ok());
  REQUIRE(policy->ingress.size() == 1);
  REQUIRE(policy->ingress[0].peers.size() == 1);  // "to" means nothing in an ingress rule
  CHECK(policy->ingress[0].peers[0].ip_block->cidr == "192.0.2.0/24");
  CHECK(policy->egress.empty());
}

}  // namespace
}  // namespace kr::model
