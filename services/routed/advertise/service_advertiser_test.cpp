#include "services/routed/advertise/service_advertiser.h"

#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace kr::routed::advertise {
namespace {

model::Service Service(const std::string& name, std::vector<std::string> cluster_ips,
                       std::vector<std::string> external_ips = {}) {
  model::Service service;
  service.ns = "default";
  service.name = name;
  service.cluster_ips = std::move(cluster_ips);
  service.external_ips = std::move(external_ips);
  return service;
}

model::Endpoints Endpoints(const std::string& name, const std::string& node, bool ready) {
  model::Endpoints endpoints;
  endpoints.ns = "default";
  endpoints.name = name;
  model::Endpoint endpoint;
  endpoint.addresses = {"10.244.0.9"};
  endpoint.node_name = node;
  endpoint.ready = ready;
  endpoints.endpoints.push_back(endpoint);
  return endpoints;
}

AdvertiseOptions Options() {
  AdvertiseOptions options;
  options.node_name = "node-a";
  options.advertise_cluster_ip = true;
  options.advertise_external_ip = true;
  return options;
}

std::vector<std::string> Texts(const std::vector<route::IpPrefix>& prefixes) {
  std::vector<std::string> texts;
  for (const auto& prefix : prefixes) texts.push_back(prefix.ToString());
  return texts;
}

// One step of a scenario: an operation and the delta it must return.
struct Step {
  std::string what;
  std::function<PrefixDelta(ServiceAdvertiser&)> op;
  std::string expected_delta;  // PrefixDelta::ToString()
};

void Run(const std::vector<Step>& steps) {
  ServiceAdvertiser advertiser(Options());
  for (const Step& step : steps) {
    INFO(step.what);
    CHECK(step.op(advertiser).ToString() == step.expected_delta);
  }
}

TEST_CASE("ServiceAdvertiser returns the delta of each change") {
  SECTION("add, change, delete") {
    Run({
        {"new service", [](auto& a) { return a.UpsertService(Service("s1", {"10.96.0.1"})); },
         "+10.96.0.1/32"},
        {"same again: nothing",
         [](auto& a) { return a.UpsertService(Service("s1", {"10.96.0.1"})); }, ""},
        {"external IP added",
         [](auto& a) { return a.UpsertService(Service("s1", {"10.96.0.1"}, {"192.0.2.1"})); },
         "+192.0.2.1/32"},
        {"cluster IP changed",
         [](auto& a) { return a.UpsertService(Service("s1", {"10.96.0.2"}, {"192.0.2.1"})); },
         "+10.96.0.2/32 -10.96.0.1/32"},
        {"deleted", [](auto& a) { return a.DeleteService("default/s1"); },
         "-10.96.0.2/32 -192.0.2.1/32"},
        {"deleted again: nothing", [](auto& a) { return a.DeleteService("default/s1"); }, ""},
    });
  }
  SECTION("a shared IP stays until the last service using it goes") {
    Run({
        {"s1", [](auto& a) { return a.UpsertService(Service("s1", {"10.96.0.1"}, {"192.0.2.1"})); },
         "+10.96.0.1/32 +192.0.2.1/32"},
        {"s2 shares the external IP",
         [](auto& a) { return a.UpsertService(Service("s2", {"10.96.0.2"}, {"192.0.2.1"})); },
         "+10.96.0.2/32"},
        {"s1 drops it: still advertised for s2",
         [](auto& a) { return a.UpsertService(Service("s1", {"10.96.0.1"})); }, ""},
        {"s2 deleted: withdrawn", [](auto& a) { return a.DeleteService("default/s2"); },
         "-10.96.0.2/32 -192.0.2.1/32"},
    });
  }
  SECTION("externalTrafficPolicy Local follows the node's ready endpoints") {
    const auto local_service = [] {
      model::Service service = Service("web", {"10.96.0.5"}, {"192.0.2.5"});
      service.external_traffic_policy = "Local";
      return service;
    };
    Run({
        {"service without endpoints: only the cluster IP",
         [&](auto& a) { return a.UpsertService(local_service()); }, "+10.96.0.5/32"},
        {"endpoint on another node",
         [](auto& a) { return a.UpsertEndpoints(Endpoints("web", "node-b", true)); }, ""},
        {"not-ready endpoint here",
         [](auto& a) { return a.UpsertEndpoints(Endpoints("web", "node-a", false)); }, ""},
        {"it becomes ready",
         [](auto& a) { return a.UpsertEndpoints(Endpoints("web", "node-a", true)); },
         "+192.0.2.5/32"},
        {"endpoints deleted", [](auto& a) { return a.DeleteEndpoints("default/web"); },
         "-192.0.2.5/32"},
    });
  }
  SECTION("endpoints known before their service") {
    Run({
        {"endpoints first: nothing",
         [](auto& a) { return a.UpsertEndpoints(Endpoints("web", "node-a", true)); }, ""},
        {"service arrives with Local policy",
         [](auto& a) {
           model::Service service = Service("web", {"10.96.0.5"});
           service.internal_traffic_policy = "Local";
           return a.UpsertService(service);
         },
         "+10.96.0.5/32"},
        {"service deleted, endpoints stay", [](auto& a) { return a.DeleteService("default/web"); },
         "-10.96.0.5/32"},
    });
  }
}

TEST_CASE("TakePendingDelta gives the net change across coalesced events") {
  ServiceAdvertiser advertiser(Options());
  (void)advertiser.UpsertService(Service("s1", {"10.96.0.1"}));
  (void)advertiser.UpsertService(Service("s2", {"10.96.0.2"}));
  CHECK(advertiser.TakePendingDelta().ToString() == "+10.96.0.1/32 +10.96.0.2/32");
  CHECK(advertiser.TakePendingDelta().empty());

  (void)advertiser.UpsertService(Service("s3", {"10.96.0.3"}));  // added then removed
  (void)advertiser.DeleteService("default/s3");
  (void)advertiser.DeleteService("default/s1");  // removed then added
  (void)advertiser.UpsertService(Service("s1", {"10.96.0.1"}));
  (void)advertiser.DeleteService("default/s2");
  CHECK(advertiser.TakePendingDelta().ToString() == "-10.96.0.2/32");
  CHECK(Texts(advertiser.Advertised()) == std::vector<std::string>{"10.96.0.1/32"});
}

TEST_CASE("state matches a from-scratch computation after many changes") {
  // Random-looking but deterministic churn over a few services sharing IPs; the advertised
  // set must always equal the union of what each live service yields on its own.
  ServiceAdvertiser advertiser(Options());
  std::map<std::string, model::Service> live;
  std::set<route::IpPrefix> announced;  // what a speaker fed only with the deltas would hold
  for (int step = 0; step < 500; ++step) {
    const std::string name = "s" + std::to_string((step * 7) % 5);
    PrefixDelta delta;
    if (step % 3 == 2) {
      delta = advertiser.DeleteService("default/" + name);
      live.erase(name);
    } else {
      model::Service service = Service(name, {"10.96.0." + std::to_string(step % 4)},
                                       {"192.0.2." + std::to_string((step * 3) % 6)});
      delta = advertiser.UpsertService(service);
      live[name] = service;
    }
    for (const auto& prefix : delta.removed) REQUIRE(announced.erase(prefix) == 1);
    for (const auto& prefix : delta.added) REQUIRE(announced.insert(prefix).second);

    std::set<route::IpPrefix> expected;
    for (const auto& [key, service] : live) {
      for (const auto& prefix : ComputeServiceVips(service, Options()).Active(false)) {
        expected.insert(prefix);
      }
    }
    REQUIRE(std::vector<route::IpPrefix>(expected.begin(), expected.end()) ==
            advertiser.Advertised());
    REQUIRE(announced == expected);
  }
}

}  // namespace
}  // namespace kr::routed::advertise
