// Decode cost per object: the direct CBOR reader into a new struct (DecodeCbor) and into one
// reused struct (DecodeCborInto, what the bus subscriber's On<T> does), against the previous
// decoder (LegacyDecodeCbor: nlohmann SAX into tokens). Bodies are the bus benchmark's pods
// (test/bench/bus), plus a service and a network policy. Run by hand:
//
//   ninja -C build common/model/model_cbor_decode_bench
//   ./build/common/model/model_cbor_decode_bench [objects]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "common/model/legacy_cbor_decode.h"
#include "common/model/model.h"

namespace kr::model {
namespace {

// As bus_bench's TypedPodBody: what a daemon's On<Pod> handler decodes.
std::string PodBody(int i) {
  Pod pod;
  pod.ns = "ns-" + std::to_string(i % 100);
  pod.name = "pod-" + std::to_string(i);
  pod.labels = {{"app", "app-" + std::to_string(i % 500)},
                {"bench-index", std::to_string(i)},
                {"tier", "web"}};
  pod.ips = {"10." + std::to_string(i / 65536 % 256) + "." + std::to_string(i / 256 % 256) + "." +
             std::to_string(i % 256)};
  pod.node_name = "node-" + std::to_string(i % 5000);
  pod.phase = "Running";
  pod.ports = {{"http", "TCP", 8080}};
  return EncodeCbor(pod);
}

std::string ServiceBody(int i) {
  Service s;
  s.ns = "ns-" + std::to_string(i % 100);
  s.name = "svc-" + std::to_string(i);
  s.cluster_ips = {"10.96." + std::to_string(i / 256 % 256) + "." + std::to_string(i % 256)};
  s.ip_families = {"IPv4"};
  s.ports = {ServicePort{"http", "TCP", 80, IntOrString{8080, ""}, 0},
             ServicePort{"metrics", "TCP", 9100, IntOrString{0, "metrics"}, 0}};
  return EncodeCbor(s);
}

std::string PolicyBody(int i) {
  NetworkPolicy p;
  p.ns = "ns-" + std::to_string(i % 100);
  p.name = "allow-" + std::to_string(i);
  p.pod_selector.match_labels = {{"app", "app-" + std::to_string(i % 500)}};
  p.policy_types = {"Ingress"};
  NetworkPolicyPeer peer;
  peer.pod_selector = LabelSelector{{{"role", "frontend"}}, {}};
  peer.namespace_selector = LabelSelector{{}, {{"team", "In", {"a", "b"}}}};
  p.ingress = {
      NetworkPolicyRule{{NetworkPolicyPort{"TCP", IntOrString{80, ""}, std::nullopt}}, {peer}}};
  return EncodeCbor(p);
}

// This thread's CPU time: on a shared machine, time spent descheduled is not the decoder's.
double ThreadCpuNanos() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e9 + static_cast<double>(now.tv_nsec);
}

// CPU nanoseconds per decode of every body, best of `rounds`; exits if a body does not decode.
template <typename T, typename Decoder>
double NanosPerDecode(const std::vector<std::string>& bodies, Decoder decode, int rounds) {
  double best = 1e18;
  for (int round = 0; round < rounds; ++round) {
    const double start = ThreadCpuNanos();
    for (const std::string& body : bodies) {
      auto object = decode(body);
      if (!object.ok()) {
        std::fprintf(stderr, "decode failed: %s\n", object.error().message.c_str());
        std::exit(1);
      }
    }
    best = std::min(best, (ThreadCpuNanos() - start) / static_cast<double>(bodies.size()));
  }
  return best;
}

template <typename T>
void Compare(const char* kind, std::string (*make)(int), int count) {
  std::vector<std::string> bodies;
  size_t bytes = 0;
  for (int i = 0; i < count; ++i) {
    bodies.push_back(make(i));
    bytes += bodies.back().size();
  }
  const double legacy = NanosPerDecode<T>(
      bodies, [](const std::string& body) { return LegacyDecodeCbor<T>(body); }, 5);
  const double direct = NanosPerDecode<T>(
      bodies, [](const std::string& body) { return DecodeCbor<T>(body); }, 5);
  T reused;
  const double into = NanosPerDecode<T>(
      bodies, [&reused](const std::string& body) { return DecodeCborInto(body, reused); }, 5);
  std::printf("%-15s %6zu B  %9.0f ns  %9.0f ns  %9.0f ns  %6.2fx  %6.2fx\n", kind,
              bytes / bodies.size(), legacy, direct, into, legacy / direct, direct / into);
}

}  // namespace
}  // namespace kr::model

int main(int argc, char** argv) {
  using namespace kr::model;
  const int count = argc > 1 ? std::atoi(argv[1]) : 100000;
  std::printf("decode per object (thread CPU time), best of 5 passes over %d bodies\n", count);
  std::printf("%-15s %8s  %12s  %12s  %12s  %7s  %7s\n", "kind", "body", "legacy", "direct",
              "into reused", "direct", "reused");
  std::printf("%-15s %8s  %12s  %12s  %12s  %7s  %7s\n", "", "", "", "", "", "/legacy", "/direct");
  Compare<Pod>("pod", PodBody, count);
  Compare<Service>("service", ServiceBody, count);
  Compare<NetworkPolicy>("network policy", PolicyBody, count);
  return 0;
}
