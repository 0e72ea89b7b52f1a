// EncodeCbor must write exactly the bytes of nlohmann::json::to_cbor(nlohmann::json(value)):
// the bus publisher compares bodies to skip unchanged objects, and consumers may hash them.
#include "common/model/cbor_encode.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <random>

#include "common/model/model.h"
#include "common/model/model_test_samples.h"

namespace kr::model {
namespace {

template <typename T>
std::string ViaJson(const T& value) {
  auto bytes = nlohmann::json::to_cbor(nlohmann::json(value));
  return std::string(bytes.begin(), bytes.end());
}

template <typename T>
void CheckSameBytes(const T& value) {
  const std::string direct = EncodeCbor(value);
  const std::string via_json = ViaJson(value);
  INFO("json: " << nlohmann::json(value).dump());
  REQUIRE(direct == via_json);
  // And it reads back through the subscriber's decoder.
  auto decoded = DecodeCbor<T>(direct);
  REQUIRE(decoded.ok());
  CHECK(*decoded == value);
}

// Lengths on both sides of every head size: inline (<= 23), 1, 2 and 4 bytes.
const std::vector<size_t> kLengths = {0, 1, 23, 24, 255, 256, 65535, 65536};

TEST_CASE("cbor encode: integers in the shortest form, both signs, every width", "[model][cbor]") {
  const std::vector<int32_t> numbers = {0,
                                        1,
                                        23,
                                        24,
                                        255,
                                        256,
                                        65535,
                                        65536,
                                        std::numeric_limits<int32_t>::max(),
                                        -1,
                                        -24,
                                        -25,
                                        -256,
                                        -257,
                                        -65536,
                                        -65537,
                                        std::numeric_limits<int32_t>::min()};
  for (int32_t n : numbers) {
    INFO(n);
    ContainerPort port{"p", "TCP", n};
    CheckSameBytes(port);
    ServicePort service_port{"", "UDP", n, IntOrString{n, ""}, n};
    CheckSameBytes(service_port);
  }
}

TEST_CASE("cbor encode: strings, lists and maps of every head size", "[model][cbor]") {
  for (size_t length : kLengths) {
    INFO(length);
    Namespace ns;
    ns.name = std::string(length, 'n');
    CheckSameBytes(ns);

    Node node;
    node.name = "n";
    node.pod_cidrs.assign(std::min<size_t>(length, 300), "10.0.0.0/24");
    for (size_t i = 0; i < std::min<size_t>(length, 300); ++i) {
      node.labels["k" + std::to_string(i)] = std::string(i % 30, 'v');
    }
    CheckSameBytes(node);
  }
}

TEST_CASE("cbor encode: keys in map order, non-ASCII and empty ones included", "[model][cbor]") {
  Pod pod;
  pod.ns = "x";
  pod.name = "a";
  pod.labels = {{"", "empty key"},     {"Z", "upper"}, {"a", ""}, {"\xc3\xa9t\xc3\xa9", "utf-8"},
                {"a.b/c", "prefixed"}, {"~", "tilde"}};
  pod.ips = {"10.244.1.5", "fd00::5"};
  pod.node_name = "node-a";
  pod.phase = "Running";
  pod.host_network = true;
  pod.ports = {{"http", "TCP", 80}, {"", "UDP", 53}, {"metrics", "SCTP", 9100}};
  CheckSameBytes(pod);
  CheckSameBytes(Pod{});  // every default, every list empty
}

TEST_CASE("cbor encode: services, endpoints and nodes as the informer fills them",
          "[model][cbor]") {
  const Service s = samples::SampleService();
  CheckSameBytes(s);
  CheckSameBytes(Service{});

  Endpoints e{"default", "web", {}};
  for (int i = 0; i < 30; ++i) {
    e.endpoints.push_back(Endpoint{{"10.244.1." + std::to_string(i)},
                                   i % 2 == 0,
                                   i % 3 == 0,
                                   i % 5 == 0,
                                   "node-" + std::to_string(i),
                                   i % 4 ? "zone-1" : "",
                                   i % 7 ? "" : "host",
                                   {{"http", "TCP", 8080 + i}}});
  }
  CheckSameBytes(e);

  const Node node = samples::SampleNode();
  CheckSameBytes(node);
}

TEST_CASE("cbor encode: network policies, peers present, empty and absent", "[model][cbor]") {
  NetworkPolicy p;
  p.ns = "x";
  p.name = "allow-web";
  p.pod_selector.match_labels = {{"app", "web"}};
  p.pod_selector.match_expressions = {LabelSelectorRequirement{"tier", "NotIn", {"db"}},
                                      LabelSelectorRequirement{"canary", "DoesNotExist", {}}};
  p.policy_types = {"Ingress", "Egress"};
  NetworkPolicyPeer from_pods;
  from_pods.pod_selector = LabelSelector{};  // present and empty
  from_pods.namespace_selector =
      LabelSelector{{}, {LabelSelectorRequirement{"team", "In", {"a", "b"}}}};
  NetworkPolicyPeer from_block;
  from_block.ip_block = IpBlock{"192.0.2.0/24", {"192.0.2.128/25", "192.0.2.64/26"}};
  NetworkPolicyPeer absent;  // every member absent: an empty map
  NetworkPolicyPort by_name{"TCP", IntOrString{0, "http"}, std::nullopt};
  NetworkPolicyPort range{"UDP", IntOrString{1000, ""}, 2000};
  NetworkPolicyPort any_port{"SCTP", std::nullopt, std::nullopt};
  NetworkPolicyPort zero_end{"TCP", IntOrString{0, ""}, 0};
  p.ingress = {NetworkPolicyRule{{by_name, range}, {from_pods, from_block}},
               NetworkPolicyRule{{any_port}, {absent}}, NetworkPolicyRule{}};
  p.egress = {NetworkPolicyRule{}, NetworkPolicyRule{{zero_end}, {from_block}}};
  CheckSameBytes(p);
  CheckSameBytes(NetworkPolicy{});

  NetworkPolicy ingress_only = p;
  ingress_only.egress.clear();
  ingress_only.policy_types = {"Ingress"};
  CheckSameBytes(ingress_only);
}

// Random objects of every kind against the JSON path: catches what the hand-written cases miss.
TEST_CASE("cbor encode: random objects of every kind give the same bytes", "[model][cbor]") {
  std::mt19937 random(20261123);
  auto number = [&] {
    const int32_t magnitudes[] = {0, 23, 255, 65535, std::numeric_limits<int32_t>::max()};
    auto n = static_cast<int32_t>(random() % (static_cast<uint32_t>(magnitudes[random() % 5]) + 1));
    return random() % 4 == 0 ? -n : n;
  };
  auto text = [&] {
    std::string s(random() % 40, 'a');
    for (char& c : s) c = static_cast<char>(' ' + random() % 95);
    return s;
  };
  auto texts = [&] {
    std::vector<std::string> v(random() % 5);
    for (auto& s : v) s = text();
    return v;
  };
  auto labels = [&] {
    StringMap m;
    for (int i = static_cast<int>(random() % 6); i > 0; --i) m[text()] = text();
    return m;
  };
  auto selector = [&] {
    LabelSelector s{labels(), {}};
    for (int i = static_cast<int>(random() % 3); i > 0; --i) {
      s.match_expressions.push_back({text(), text(), texts()});
    }
    return s;
  };
  auto port = [&] {
    return random() % 2 ? IntOrString{0, text().append("p")} : IntOrString{number(), ""};
  };

  for (int round = 0; round < 200; ++round) {
    Pod pod{text(), text(), labels(), texts(), text(), text(), random() % 2 == 0, {}};
    for (int i = static_cast<int>(random() % 4); i > 0; --i) {
      pod.ports.push_back({text(), text(), number()});
    }
    CheckSameBytes(pod);

    Service s;
    s.ns = text();
    s.name = text();
    s.headless = random() % 2 == 0;
    s.cluster_ips = texts();
    s.external_name = text();
    s.session_affinity_timeout_seconds = number();
    s.annotations = labels();
    for (int i = static_cast<int>(random() % 4); i > 0; --i) {
      s.ports.push_back({text(), text(), number(), port(), number()});
    }
    CheckSameBytes(s);

    NetworkPolicy p;
    p.ns = text();
    p.pod_selector = selector();
    p.policy_types = texts();
    for (auto* rules : {&p.ingress, &p.egress}) {
      for (int r = static_cast<int>(random() % 3); r > 0; --r) {
        NetworkPolicyRule rule;
        for (int i = static_cast<int>(random() % 3); i > 0; --i) {
          NetworkPolicyPort np{text(), std::nullopt, std::nullopt};
          if (random() % 2) np.port = port();
          if (random() % 2) np.end_port = number();
          rule.ports.push_back(np);
        }
        for (int i = static_cast<int>(random() % 3); i > 0; --i) {
          NetworkPolicyPeer peer;
          if (random() % 2) peer.pod_selector = selector();
          if (random() % 2) peer.namespace_selector = selector();
          if (random() % 2) peer.ip_block = IpBlock{text(), texts()};
          rule.peers.push_back(peer);
        }
        rules->push_back(rule);
      }
    }
    CheckSameBytes(p);

    Endpoints e{text(), text(), {}};
    for (int i = static_cast<int>(random() % 4); i > 0; --i) {
      e.endpoints.push_back(Endpoint{texts(),
                                     random() % 2 == 0,
                                     random() % 2 == 0,
                                     random() % 2 == 0,
                                     text(),
                                     text(),
                                     text(),
                                     {}});
    }
    CheckSameBytes(e);

    Node node{text(), {{text(), text()}}, texts(), labels(), labels()};
    CheckSameBytes(node);
    CheckSameBytes(Namespace{text(), labels(), labels()});
  }
}

}  // namespace
}  // namespace kr::model
