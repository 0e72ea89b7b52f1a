// The direct CBOR decoder (cbor_decode.h) against the previous one (legacy_cbor_decode.h) and
// against the encoder: same objects, same rules, same errors, and no crash on any bytes. And
// DecodeCborInto, decoding into a reused object: always what DecodeCbor gives, without
// allocating once warm.
#include "common/model/cbor_decode.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "common/model/legacy_cbor_decode.h"
#include "common/model/model.h"
#include "common/model/model_test_samples.h"

// Counts the allocations of the whole test program, for the reuse test: replacing the global
// operator new is the only way to see those of the standard containers.
namespace {
std::atomic<size_t> allocations{0};
}  // namespace

void* operator new(size_t size) {
  ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// GCC sees free() meet memory from operator new once this is inlined; here they do match.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}
#pragma GCC diagnostic pop

namespace kr::model {
namespace {

using json = nlohmann::json;
using namespace samples;
using namespace std::string_literals;  // bodies with NUL bytes

std::string Cbor(const json& value) {
  auto bytes = json::to_cbor(value);
  return std::string(bytes.begin(), bytes.end());
}

// Both decoders agree on `body`: both fail, or both give the same object.
template <typename T>
void CheckSameAsLegacy(const std::string& body) {
  auto direct = DecodeCbor<T>(body);
  auto legacy = LegacyDecodeCbor<T>(body);
  INFO((direct.ok() ? std::string("direct ok") : direct.error().message));
  INFO((legacy.ok() ? std::string("legacy ok") : legacy.error().message));
  REQUIRE(direct.ok() == legacy.ok());
  if (direct.ok()) CHECK(*direct == *legacy);
}

// DecodeCborInto into `reused` (holding whatever it held) gives what DecodeCbor gives, or on
// an error a default-constructed T.
template <typename T>
void CheckInto(const std::string& body, T& reused) {
  const Status status = DecodeCborInto(body, reused);
  auto fresh = DecodeCbor<T>(body);
  REQUIRE(status.ok() == fresh.ok());
  if (fresh.ok()) {
    CHECK(reused == *fresh);
  } else {
    CHECK(status.error().message == fresh.error().message);
    CHECK(reused == T{});
  }
}

// Decodes, requiring failure, and gives the message.
template <typename T>
std::string ErrorOf(const std::string& body) {
  auto decoded = DecodeCbor<T>(body);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.error().code == EINVAL);
  return decoded.error().message;
}

template <typename T>
void CheckRoundTrip(const T& value) {
  const std::string body = EncodeCbor(value);
  auto direct = DecodeCbor<T>(body);
  REQUIRE(direct.ok());
  CHECK(*direct == value);
  CheckSameAsLegacy<T>(body);
}

// The same through one object reused for every call of a kind, so each decode lands on what
// the previous objects left (bigger, smaller, other keys).
template <typename T>
void CheckRoundTripInto(const T& value) {
  static T reused;
  REQUIRE(DecodeCborInto(EncodeCbor(value), reused).ok());
  CHECK(reused == value);
}

TEST_CASE("cbor decode: every kind reads back what was encoded", "[model][cbor]") {
  CheckRoundTrip(SamplePod());
  CheckRoundTrip(SampleService());
  CheckRoundTrip(SamplePolicy());
  CheckRoundTrip(SampleEndpoints());
  CheckRoundTrip(SampleNode());
  CheckRoundTrip(Namespace{"kube-system", {{"a", "b"}}, {{"kube-router.io/x", "y"}}});
  CheckRoundTrip(Pod{});
  CheckRoundTrip(Service{});
  CheckRoundTrip(NetworkPolicy{});
}

TEST_CASE("cbor decode: absent and null keep defaults, unknown fields are skipped",
          "[model][cbor]") {
  const std::string body = Cbor({{"name", "b"},
                                 {"phase", nullptr},
                                 {"labels", nullptr},
                                 {"future", {{"deep", {1, {{"x", nullptr}}, "s", 2.5, false}}}},
                                 {"ips", {"10.0.0.1"}}});
  auto pod = DecodeCbor<Pod>(body);
  REQUIRE(pod.ok());
  CHECK(pod->name == "b");
  CHECK(pod->phase.empty());
  CHECK(pod->labels.empty());
  CHECK(pod->ports.empty());
  CHECK(pod->ips == std::vector<std::string>{"10.0.0.1"});
  CheckSameAsLegacy<Pod>(body);

  // Defaults other than empty survive absence and null.
  auto port = DecodeCbor<ContainerPort>(Cbor({{"protocol", nullptr}}));
  REQUIRE(port.ok());
  CHECK(port->protocol == "TCP");

  // An optional member becomes empty on null, also after a value for the same key.
  const std::string peer_body =
      "\xa2\x6bpodSelector\xa0\x6bpodSelector\xf6";  // {"podSelector": {}, "podSelector": null}
  auto peer = DecodeCbor<NetworkPolicyPeer>(peer_body);
  REQUIRE(peer.ok());
  CHECK_FALSE(peer->pod_selector.has_value());
  CheckSameAsLegacy<NetworkPolicyPeer>(peer_body);
  CheckSameAsLegacy<NetworkPolicyPeer>(Cbor({{"podSelector", json::object()}}));

  // Policy rules: null and unknown keys inside a rule, peers named by direction.
  const std::string policy_body = Cbor({{"ingress",
                                         {{{"from", {{{"ipBlock", {{"cidr", "192.0.2.0/24"}}}}}},
                                           {"to", {{{"ipBlock", {{"cidr", "198.51.100.0/24"}}}}}},
                                           {"ports", nullptr},
                                           {"extra", {{"x", {1, 2}}}}}}},
                                        {"egress", nullptr}});
  auto policy = DecodeCbor<NetworkPolicy>(policy_body);
  REQUIRE(policy.ok());
  REQUIRE(policy->ingress.size() == 1);
  REQUIRE(policy->ingress[0].peers.size() == 1);
  CHECK(policy->ingress[0].peers[0].ip_block->cidr == "192.0.2.0/24");
  CHECK(policy->egress.empty());
  CheckSameAsLegacy<NetworkPolicy>(policy_body);
}

TEST_CASE("cbor decode: a later duplicate key wins, as in the JSON path", "[model][cbor]") {
  // {"name": "a", "name": "b", "labels": {"k": "1", "k": "2"}, "ips": ["x"], "ips": null}
  const std::string body =
      "\xa5\x64name\x61"
      "a\x64name\x61"
      "b\x66labels\xa2\x61k\x61"
      "1\x61k\x61"
      "2\x63ips\x81\x61x\x63ips\xf6";
  auto pod = DecodeCbor<Pod>(body);
  REQUIRE(pod.ok());
  CHECK(pod->name == "b");
  CHECK(pod->labels == StringMap{{"k", "2"}});
  CHECK(pod->ips == std::vector<std::string>{"x"});
  CheckSameAsLegacy<Pod>(body);
}

TEST_CASE("cbor decode: wrong types are errors naming the field", "[model][cbor]") {
  CHECK_THAT(ErrorOf<Pod>(Cbor({{"name", 5}})),
             Catch::Contains("name must be a string, not integer"));
  CHECK_THAT(ErrorOf<Pod>(Cbor({{"hostNetwork", "yes"}})),
             Catch::Contains("hostNetwork must be a boolean, not string"));
  CHECK_THAT(ErrorOf<Pod>(Cbor({{"labels", {{"a", 1}}}})),
             Catch::Contains("labels must be a string, not integer"));
  CHECK_THAT(ErrorOf<Pod>(Cbor({{"ips", "10.0.0.1"}})),
             Catch::Contains("ips must be an array, not string"));
  CHECK_THAT(ErrorOf<Pod>(Cbor({{"ports", {{{"containerPort", 1.5}}}}})),
             Catch::Contains("containerPort must be an integer, not number"));
  CHECK_THAT(ErrorOf<Pod>(Cbor(json::array())), Catch::Contains("pod must be an object"));
  CHECK_THAT(ErrorOf<Service>(Cbor({{"ports", {{{"targetPort", true}}}}})),
             Catch::Contains("targetPort must be an integer or a string, not boolean"));
  CHECK_THAT(ErrorOf<NetworkPolicy>(Cbor({{"ingress", "all"}})),
             Catch::Contains("ingress must be an array"));
  CHECK_THAT(ErrorOf<NetworkPolicy>(Cbor({{"egress", {5}}})),
             Catch::Contains("network policy rule must be an object"));
  CHECK_THAT(ErrorOf<Pod>(Cbor({{"name", json::binary({1, 2})}})),
             Catch::Contains("name must be a string, not byte string"));
  CHECK_THAT(ErrorOf<Pod>("\xa1\x64name\xc0\x61x"),  // a tagged string
             Catch::Contains("name must be a string, not tagged item"));
  CHECK_THAT(ErrorOf<Pod>("\xa1\x64name\xf7"), Catch::Contains("not simple value"));
  CHECK_THAT(ErrorOf<Pod>("\xa1\x01\x61x"), Catch::Contains("object keys must be strings"));
  for (const json& bad : {json{{"name", 5}}, json{{"ports", {{{"containerPort", "80"}}}}},
                          json{{"labels", {1, 2}}}, json::array(), json("pod")}) {
    CheckSameAsLegacy<Pod>(Cbor(bad));
  }
}

// The head of an integer item in a given width (24..27: 1, 2, 4, 8 bytes), shortest or not.
std::string IntegerHead(uint8_t major, uint8_t info, uint64_t argument) {
  std::string out(1, static_cast<char>((major << 5) | info));
  const int width = info < 24 ? 0 : 1 << (info - 24);
  for (int shift = (width - 1) * 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((argument >> shift) & 0xff));
  }
  return out;
}

std::string PortBody(const std::string& integer) {
  return "\xa1\x6d"
         "containerPort" +
         integer;
}

TEST_CASE("cbor decode: integers in every width, 32-bit range enforced", "[model][cbor]") {
  struct Case {
    uint8_t major;
    uint8_t info;
    uint64_t argument;
    bool fits;
    int32_t value;
  };
  const Case cases[] = {
      {0, 5, 5, true, 5},
      {0, 24, 5, true, 5},  // not the shortest form: still well-formed CBOR
      {0, 25, 5, true, 5},
      {0, 26, 5, true, 5},
      {0, 27, 5, true, 5},
      {0, 26, 2147483647, true, 2147483647},
      {0, 26, 2147483648, false, 0},
      {0, 27, 4294967296, false, 0},
      {0, 27, UINT64_MAX, false, 0},
      {1, 0, 0, true, -1},
      {1, 24, 255, true, -256},
      {1, 26, 2147483647, true, std::numeric_limits<int32_t>::min()},
      {1, 26, 2147483648, false, 0},
      {1, 27, uint64_t{INT64_MAX}, false, 0},
  };
  for (const Case& c : cases) {
    INFO(int(c.major) << " " << int(c.info) << " " << c.argument);
    const std::string body = PortBody(IntegerHead(c.major, c.info, c.argument));
    auto port = DecodeCbor<ContainerPort>(body);
    REQUIRE(port.ok() == c.fits);
    if (c.fits) CHECK(port->container_port == c.value);
    if (!c.fits) CHECK_THAT(port.error().message, Catch::Contains("containerPort is out of the"));
    CheckSameAsLegacy<ContainerPort>(body);
  }
  // -2^64: the legacy decoder wrapped this to 0 and accepted it; it is out of range.
  const std::string wrapped = PortBody(IntegerHead(1, 27, UINT64_MAX));
  CHECK_THAT(ErrorOf<ContainerPort>(wrapped), Catch::Contains("out of the 32-bit range"));
}

TEST_CASE("cbor decode: the body is exactly one item", "[model][cbor]") {
  const std::string body = EncodeCbor(SamplePod());
  CHECK(DecodeCbor<Pod>(body).ok());
  CHECK_THAT(ErrorOf<Pod>(body + "x"), Catch::Contains("trailing bytes"));
  CHECK_THAT(ErrorOf<Pod>(body + "\xf6"), Catch::Contains("trailing bytes"));
  CHECK_THAT(ErrorOf<Pod>(""), Catch::Contains("truncated"));
  CHECK_THAT(ErrorOf<Pod>(body.substr(0, body.size() - 1)), Catch::Contains("truncated"));
}

TEST_CASE("cbor decode: lengths beyond the body are errors, not allocations", "[model][cbor]") {
  const std::string huge_text = "\xa1\x64name" + IntegerHead(3, 27, uint64_t{1} << 62) + "abc";
  CHECK_THAT(ErrorOf<Pod>(huge_text), Catch::Contains("truncated"));
  const std::string huge_array = "\xa1\x63ips" + IntegerHead(4, 27, UINT64_MAX) + "\x61x";
  CHECK_THAT(ErrorOf<Pod>(huge_array), Catch::Contains("truncated"));
  const std::string huge_map = IntegerHead(5, 26, 0xffffffff) + "\x64name\x61x";
  CHECK_THAT(ErrorOf<Pod>(huge_map), Catch::Contains("truncated"));
  const std::string huge_skipped = "\xa1\x61z" + IntegerHead(5, 27, uint64_t{1} << 63);
  CHECK_THAT(ErrorOf<Pod>(huge_skipped), Catch::Contains("truncated"));
  // Reserved additional information (28..30) is malformed.
  CHECK_THAT(ErrorOf<Pod>("\xa1\x64name\x7c"), Catch::Contains("reserved"));
  CHECK_THAT(ErrorOf<Pod>("\xa1\x61z\x1d"), Catch::Contains("reserved"));
}

TEST_CASE("cbor decode: unknown fields of every major type are skipped", "[model][cbor]") {
  // {"a": <item>, "name": "n"}: "a" sorts before every Pod field and is unknown.
  const std::vector<std::string> skipped = {
      "\x18\x64"s,                                  // unsigned, 1-byte argument
      "\x3b\x01\x02\x03\x04\x05\x06\x07\x08"s,      // negative, 8-byte argument
      "\x43\x01\x02\x03"s,                          // byte string
      "\x63xyz"s,                                   // text string
      "\x82\x01\xa1\x61k\x80"s,                     // array holding a map holding an array
      "\xa2\x01\x02\x43\x00\x00\x00\x82\xf5\xf4"s,  // map with non-text keys
      "\xc1\x1a\x5f\x00\x00\x00"s,                  // tag 1 (epoch time)
      "\xd8\x20\x63xyz"s,                           // tag 32 (URI), 1-byte tag number
      "\xf7"s,                                      // undefined
      "\xf8\x20"s,                                  // simple value 32
      "\xf9\x3c\x00"s,                              // half float 1.0
      "\xfa\x3f\x80\x00\x00"s,                      // float 1.0
      "\xfb\x3f\xf0\x00\x00\x00\x00\x00\x00"s,      // double 1.0
  };
  for (const std::string& item : skipped) {
    INFO(json::binary(std::vector<uint8_t>(item.begin(), item.end())).dump());
    auto pod = DecodeCbor<Pod>(
        "\xa2\x61"
        "a" +
        item + "\x64name\x61n");
    REQUIRE(pod.ok());
    CHECK(pod->name == "n");
  }
  // Deep nesting of unknown data does not recurse: 200,000 nested arrays.
  std::string deep = "\xa2\x61z";
  deep.append(200000, '\x81');
  deep.push_back('\x00');
  deep.insert(1, "\x64name\x61n");
  auto pod = DecodeCbor<Pod>(deep);
  REQUIRE(pod.ok());
  CHECK(pod->name == "n");
  CHECK_FALSE(DecodeCbor<Pod>(deep.substr(0, deep.size() - 1)).ok());
}

// Decision: indefinite-length items are rejected everywhere (cbor_reader.h says why). The
// legacy decoder accepted them; no producer on the bus writes them.
TEST_CASE("cbor decode: indefinite lengths are rejected cleanly", "[model][cbor]") {
  const std::vector<std::string> bodies = {
      "\xbf\x64name\x61n\xff",               // indefinite map
      "\xa1\x63ips\x9f\x61x\xff",            // indefinite array in a known field
      "\xa1\x64name\x7f\x61n\xff",           // indefinite text string
      "\xa2\x64name\x61n\x61z\x9f\x01\xff",  // indefinite array in an unknown field
      "\xa1\x64name\xff",                    // a lone break
  };
  for (const std::string& body : bodies) {
    CHECK_THAT(ErrorOf<Pod>(body), Catch::Contains("indefinite") || Catch::Contains("break"));
  }
  CHECK(LegacyDecodeCbor<Pod>(bodies[0]).ok());  // what changed
}

// Random objects of every kind: EncodeCbor, then both decoders.
class RandomObjects {
 public:
  explicit RandomObjects(uint32_t seed) : random_(seed) {}

  int32_t Number() {
    const uint32_t magnitudes[] = {0, 23, 255, 65535, 2147483647};
    const uint32_t magnitude = magnitudes[random_() % 5];  // drawn first: same on every compiler
    auto n = static_cast<int32_t>(random_() % (magnitude + 1));
    return random_() % 4 == 0 ? -n : n;
  }
  bool Flag() { return random_() % 2 == 0; }
  std::string Text() {
    std::string s(random_() % 40, 'a');
    for (char& c : s) c = static_cast<char>(random_() % 256);  // any bytes, NUL included
    return s;
  }
  std::vector<std::string> Texts() {
    std::vector<std::string> v(random_() % 5);
    for (auto& s : v) s = Text();
    return v;
  }
  StringMap Labels() {
    StringMap m;
    for (int i = static_cast<int>(random_() % 6); i > 0; --i) m[Text()] = Text();
    return m;
  }
  LabelSelector Selector() {
    LabelSelector s{Labels(), {}};
    for (int i = static_cast<int>(random_() % 3); i > 0; --i) {
      s.match_expressions.push_back({Text(), Text(), Texts()});
    }
    return s;
  }
  IntOrString Port() {
    return Flag() ? IntOrString{0, Text().append("p")} : IntOrString{Number(), ""};
  }

  Pod MakePod() {
    Pod pod{Text(), Text(), Labels(), Texts(), Text(), Text(), Flag(), {}};
    for (int i = static_cast<int>(random_() % 4); i > 0; --i) {
      pod.ports.push_back({Text(), Text(), Number()});
    }
    return pod;
  }
  Service MakeService() {
    Service s;
    s.ns = Text();
    s.name = Text();
    s.type = Text();
    s.headless = Flag();
    s.cluster_ips = Texts();
    s.external_name = Text();
    s.session_affinity_timeout_seconds = Number();
    s.health_check_node_port = Number();
    s.annotations = Labels();
    for (int i = static_cast<int>(random_() % 4); i > 0; --i) {
      s.ports.push_back({Text(), Text(), Number(), Port(), Number()});
    }
    return s;
  }
  NetworkPolicy MakePolicy() {
    NetworkPolicy p;
    p.ns = Text();
    p.name = Text();
    p.pod_selector = Selector();
    p.policy_types = Texts();
    for (auto* rules : {&p.ingress, &p.egress}) {
      for (int r = static_cast<int>(random_() % 3); r > 0; --r) {
        NetworkPolicyRule rule;
        for (int i = static_cast<int>(random_() % 3); i > 0; --i) {
          NetworkPolicyPort port{Text(), std::nullopt, std::nullopt};
          if (Flag()) port.port = Port();
          if (Flag()) port.end_port = Number();
          rule.ports.push_back(port);
        }
        for (int i = static_cast<int>(random_() % 3); i > 0; --i) {
          NetworkPolicyPeer peer;
          if (Flag()) peer.pod_selector = Selector();
          if (Flag()) peer.namespace_selector = Selector();
          if (Flag()) peer.ip_block = IpBlock{Text(), Texts()};
          rule.peers.push_back(peer);
        }
        rules->push_back(rule);
      }
    }
    return p;
  }
  Endpoints MakeEndpoints() {
    Endpoints e{Text(), Text(), {}};
    for (int i = static_cast<int>(random_() % 4); i > 0; --i) {
      Endpoint endpoint{Texts(), Flag(), Flag(), Flag(), Text(), Text(), Text(), {}};
      for (int j = static_cast<int>(random_() % 3); j > 0; --j) {
        endpoint.ports.push_back({Text(), Text(), Number()});
      }
      e.endpoints.push_back(endpoint);
    }
    return e;
  }
  Node MakeNode() { return Node{Text(), {{Text(), Text()}}, Texts(), Labels(), Labels()}; }
  Namespace MakeNamespace() { return Namespace{Text(), Labels(), Labels()}; }

  std::mt19937& engine() { return random_; }

 private:
  std::mt19937 random_;
};

TEST_CASE("cbor decode: random objects of every kind round-trip", "[model][cbor]") {
  RandomObjects random(20261123);
  for (int round = 0; round < 300; ++round) {
    CheckRoundTrip(random.MakePod());
    CheckRoundTrip(random.MakeService());
    CheckRoundTrip(random.MakePolicy());
    CheckRoundTrip(random.MakeEndpoints());
    CheckRoundTrip(random.MakeNode());
    CheckRoundTrip(random.MakeNamespace());
  }
}

TEST_CASE("cbor decode into: random objects of every kind, one reused object per kind",
          "[model][cbor]") {
  RandomObjects random(20261124);
  for (int round = 0; round < 300; ++round) {
    CheckRoundTripInto(random.MakePod());
    CheckRoundTripInto(random.MakeService());
    CheckRoundTripInto(random.MakePolicy());
    CheckRoundTripInto(random.MakeEndpoints());
    CheckRoundTripInto(random.MakeNode());
    CheckRoundTripInto(random.MakeNamespace());
    if (round % 50 == 0) {  // the defaults, and the samples with most fields set
      CheckRoundTripInto(Pod{});
      CheckRoundTripInto(SamplePod());
      CheckRoundTripInto(NetworkPolicy{});
      CheckRoundTripInto(SamplePolicy());
      CheckRoundTripInto(Service{});
      CheckRoundTripInto(SampleService());
    }
  }
}

TEST_CASE("cbor decode into: a big object then a small one leaves nothing stale", "[model][cbor]") {
  Pod pod = SamplePod();
  pod.labels["zz-last"] = "1";
  pod.ports.push_back({"metrics", "TCP", 9100});
  Pod reused;
  REQUIRE(DecodeCborInto(EncodeCbor(pod), reused).ok());
  REQUIRE(reused == pod);

  // Fewer labels (one kept, one new between old ones), one ip, one port, other defaults.
  const Pod small{
      "ns", "p", {{"app", "db"}, {"b-new", "2"}}, {"10.0.0.1"}, "", "", true, {{"", "UDP", 53}}};
  CheckInto(EncodeCbor(small), reused);
  CHECK(reused == small);
  // Absent fields are reset to their defaults, also ones whose default is not empty.
  CheckInto(Cbor({{"name", "only"}, {"ports", {{{"containerPort", 1}}}}}), reused);
  CHECK(reused.labels.empty());
  CHECK(reused.ports == std::vector<ContainerPort>{{"", "TCP", 1}});
  CheckInto("\xa0"s, reused);
  CHECK(reused == Pod{});

  Service service = SampleService();
  Service reused_service;
  REQUIRE(DecodeCborInto(EncodeCbor(service), reused_service).ok());
  CheckInto(Cbor({{"ports", {{{"targetPort", 80}}}}}), reused_service);
  CHECK(reused_service.type == "ClusterIP");
  CHECK(reused_service.ports.size() == 1);
  CHECK(reused_service.ports[0].target_port == IntOrString{80, ""});
  CHECK(reused_service.annotations.empty());

  NetworkPolicy policy = SamplePolicy();
  NetworkPolicy reused_policy;
  REQUIRE(DecodeCborInto(EncodeCbor(policy), reused_policy).ok());
  // A rule without ports or peers where the sample's first rule had both; no egress at all.
  CheckInto(Cbor({{"ingress", {json::object()}}, {"egress", nullptr}}), reused_policy);
  CHECK(reused_policy.ingress == std::vector<NetworkPolicyRule>{NetworkPolicyRule{}});
  CHECK(reused_policy.egress.empty());
  CHECK(reused_policy.pod_selector == LabelSelector{});
}

TEST_CASE("cbor decode into: label maps in any key order, with duplicates", "[model][cbor]") {
  // {"labels": {...}} with the pairs as given, in that order (nlohmann would sort them).
  auto labels_body = [](const std::vector<std::pair<std::string, std::string>>& pairs) {
    std::string body = "\xa1\x66labels";
    body += static_cast<char>(0xa0 + pairs.size());
    for (const auto& [key, value] : pairs) {
      body += static_cast<char>(0x60 + key.size()) + key;
      body += static_cast<char>(0x60 + value.size()) + value;
    }
    return body;
  };
  const std::vector<std::vector<std::pair<std::string, std::string>>> cases = {
      {{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}},
      {{"b", "x"}, {"d", "y"}},              // a subset, other values
      {{"0", "z"}, {"c", "w"}, {"e", "v"}},  // new keys around an old one
      {{"e", "1"}, {"a", "2"}},              // out of order
      {{"k", "1"}, {"k", "2"}},              // a duplicate: the later wins
      {{"a", "1"}, {"c", "2"}, {"b", "3"}},  // ordered, then not
      {{"b", "1"}, {"b", "2"}, {"a", "3"}},  // a duplicate, then out of order
      {},
      {{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}},
  };
  for (const auto& first : cases) {
    for (const auto& second : cases) {
      Pod reused;
      CheckInto(labels_body(first), reused);
      CheckInto(labels_body(second), reused);
      StringMap expected;
      for (const auto& [key, value] : second) expected.insert_or_assign(key, value);
      CHECK(reused.labels == expected);
    }
  }
}

TEST_CASE("cbor decode into: an error leaves a default object", "[model][cbor]") {
  Pod reused = SamplePod();
  REQUIRE(DecodeCborInto(EncodeCbor(SamplePod()), reused).ok());
  // Fails in the middle of the labels, after some fields were overwritten.
  const Status status = DecodeCborInto(Cbor({{"name", "n"}, {"labels", {{"a", 1}}}}), reused);
  REQUIRE_FALSE(status.ok());
  CHECK_THAT(status.error().message, Catch::Contains("labels must be a string"));
  CHECK(reused == Pod{});
  CheckInto(EncodeCbor(SamplePod()), reused);
  CheckInto("\xa1\x63ips\x82\x61x"s, reused);  // truncated array
}

TEST_CASE("cbor decode into: warm decodes of same-shaped objects do not allocate",
          "[model][cbor]") {
  // As the bus benchmark's pods: same label keys, values and names that change per object.
  auto body = [](int i) {
    Pod pod{"ns-" + std::to_string(i % 100),
            "pod-" + std::to_string(i),
            {{"app", "app-" + std::to_string(i % 500)},
             {"bench-index", std::to_string(i)},
             {"tier", "web"}},
            {"10.0." + std::to_string(i / 256 % 256) + "." + std::to_string(i % 256)},
            "node-" + std::to_string(i % 5000),
            "Running",
            false,
            {{"http", "TCP", 8080}}};
    return EncodeCbor(pod);
  };
  std::vector<std::string> bodies;
  for (int i = 0; i < 1000; ++i) bodies.push_back(body(i));
  Pod reused;
  REQUIRE(DecodeCborInto(bodies[0], reused).ok());
  const size_t before = allocations;
  size_t ok = 0;
  for (const std::string& b : bodies) ok += DecodeCborInto(b, reused).ok() ? 1 : 0;
  const size_t allocated = allocations - before;
  CHECK(ok == bodies.size());
  CHECK(allocated == 0);
  CHECK(reused == *DecodeCbor<Pod>(bodies.back()));
  // The fresh decode, for contrast, allocates for every object (map nodes, vectors).
  const size_t fresh_before = allocations;
  for (const std::string& b : bodies) (void)DecodeCbor<Pod>(b);
  CHECK(allocations - fresh_before >= bodies.size());
}

// How a mutated body may be judged differently by the two decoders; anything else fails.
template <typename T>
void CheckMutation(const std::string& body, int& accepted_beyond_legacy) {
  auto direct = DecodeCbor<T>(body);
  auto legacy = LegacyDecodeCbor<T>(body);
  INFO(json::binary(std::vector<uint8_t>(body.begin(), body.end())).dump());
  INFO((direct.ok() ? std::string("direct ok") : direct.error().message));
  INFO((legacy.ok() ? std::string("legacy ok") : legacy.error().message));
  if (direct.ok() && legacy.ok()) {
    CHECK(*direct == *legacy);
  } else if (legacy.ok()) {
    // Only the two decisions above: indefinite lengths, and negative integers the legacy
    // decoder wrapped around.
    const std::string& message = direct.error().message;
    CHECK((message.find("indefinite") != std::string::npos ||
           message.find("break") != std::string::npos ||
           message.find("32-bit range") != std::string::npos));
  } else if (direct.ok()) {
    // Tags, simple values and non-text keys inside unknown fields, which the legacy decoder
    // refused. Where nlohmann can read the bytes with tags ignored, the JSON path agrees.
    ++accepted_beyond_legacy;
    json tree = json::from_cbor(body, true, false, json::cbor_tag_handler_t::ignore);
    if (!tree.is_discarded()) {
      auto via_json = Decode<T>(tree);
      if (via_json.ok()) CHECK(*via_json == *direct);
    }
  }
}

template <typename T>
void FuzzBody(const std::string& body, std::mt19937& random, int& accepted_beyond_legacy) {
  // Every proper prefix is truncated: an error from both.
  for (size_t length = 0; length < body.size(); ++length) {
    const std::string prefix = body.substr(0, length);
    CHECK_FALSE(DecodeCbor<T>(prefix).ok());
    CHECK_FALSE(LegacyDecodeCbor<T>(prefix).ok());
  }
  // Random byte changes, insertions and deletions; each also decoded into an object that
  // holds the original (or what the previous mutation left), as a reused one would.
  T reused;
  (void)DecodeCborInto(body, reused);
  for (int round = 0; round < 1500; ++round) {
    std::string mutated = body;
    for (int edits = 1 + static_cast<int>(random() % 3); edits > 0; --edits) {
      const size_t at = random() % mutated.size();
      switch (random() % 4) {
        case 0:
          mutated[at] = static_cast<char>(random() % 256);
          break;
        case 1:
          mutated[at] = static_cast<char>(mutated[at] ^ (1 << (random() % 8)));
          break;
        case 2:
          mutated.insert(at, 1, static_cast<char>(random() % 256));
          break;
        default:
          if (mutated.size() > 1) mutated.erase(at, 1);
          break;
      }
    }
    CheckMutation<T>(mutated, accepted_beyond_legacy);
    CheckInto(mutated, reused);
    if (round % 2 == 0) (void)DecodeCborInto(body, reused);
  }
}

TEST_CASE("cbor decode: truncated and mutated bodies are errors or agree, never crash",
          "[model][cbor]") {
  RandomObjects random(7);
  int accepted_beyond_legacy = 0;
  FuzzBody<Pod>(EncodeCbor(SamplePod()), random.engine(), accepted_beyond_legacy);
  FuzzBody<Service>(EncodeCbor(SampleService()), random.engine(), accepted_beyond_legacy);
  FuzzBody<NetworkPolicy>(EncodeCbor(SamplePolicy()), random.engine(), accepted_beyond_legacy);
  FuzzBody<Endpoints>(EncodeCbor(SampleEndpoints()), random.engine(), accepted_beyond_legacy);
  FuzzBody<Node>(EncodeCbor(SampleNode()), random.engine(), accepted_beyond_legacy);
  for (int i = 0; i < 20; ++i) {
    FuzzBody<Pod>(EncodeCbor(random.MakePod()), random.engine(), accepted_beyond_legacy);
    FuzzBody<NetworkPolicy>(EncodeCbor(random.MakePolicy()), random.engine(),
                            accepted_beyond_legacy);
  }
  WARN("mutated bodies accepted that the legacy decoder refused: " << accepted_beyond_legacy);
}

}  // namespace
}  // namespace kr::model
