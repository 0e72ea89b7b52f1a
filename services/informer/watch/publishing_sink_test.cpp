// Publishing sinks against a bus kept in a map: normalization, rejection of bad objects with
// the last good version kept, EndpointSlice merging, and the in-sync marker.
#include "services/informer/watch/publishing_sink.h"

#include <catch2/catch.hpp>
#include <map>

#include "services/informer/watch/informer.h"

using nlohmann::json;
using namespace kr;
using namespace kr::informer;

namespace {

class MapBus : public BusWriter {
 public:
  Status Upsert(bus::Topic topic, const std::string& key, std::string cbor,
                model::SchemaVersion) override {
    state[topic][key] = json::from_cbor(cbor);
    ++writes;
    return Status::Ok();
  }
  Status Delete(bus::Topic topic, const std::string& key) override {
    state[topic].erase(key);
    ++writes;
    return Status::Ok();
  }
  void MarkInSync() override { ++in_sync_marks; }

  std::map<bus::Topic, std::map<std::string, json>> state;
  int writes = 0;
  int in_sync_marks = 0;
};

const KindInfo& Info(Kind kind) {
  for (const KindInfo& info : kKinds) {
    if (info.kind == kind) return info;
  }
  FAIL("unknown kind");
  return kKinds[0];
}

json Pod(const std::string& name, const std::string& ip) {
  return {{"metadata", {{"namespace", "default"}, {"name", name}}},
          {"spec", {{"nodeName", "node-1"}}},
          {"status", {{"podIP", ip}}}};
}

json Slice(const std::string& name, const std::string& service, const std::string& ip) {
  return {{"metadata",
           {{"namespace", "default"},
            {"name", name},
            {"labels", {{"kubernetes.io/service-name", service}}}}},
          {"addressType", "IPv4"},
          {"endpoints", {{{"addresses", {ip}}}}},
          {"ports", {{{"port", 80}}}}};
}

}  // namespace

TEST_CASE("pods are normalized and published; bad ones skipped, last good kept",
          "[informer][sink]") {
  MapBus bus;
  PublishingSink sink(Info(Kind::kPods), bus, nullptr);
  sink.OnUpsert("default/a", Pod("a", "10.244.0.5"));
  sink.OnUpsert("default/b", Pod("b", "not-an-ip"));
  auto& pods = bus.state[bus::Topic::kPods];
  REQUIRE(pods.count("default/a") == 1);
  CHECK(pods["default/a"]["ips"] == json{"10.244.0.5"});
  CHECK(pods.count("default/b") == 0);
  CHECK(sink.counters().rejected == 1);

  sink.OnUpsert("default/a", Pod("a", "10.244.0.300"));  // a bad update
  CHECK(pods["default/a"]["ips"] == json{"10.244.0.5"});
  CHECK(sink.counters().rejected == 2);

  sink.OnDelete("default/a");
  CHECK(pods.empty());
  CHECK(sink.counters().published == 2);
}

TEST_CASE("endpoint slices are published per service", "[informer][sink]") {
  MapBus bus;
  PublishingSink sink(Info(Kind::kEndpointSlices), bus, nullptr);
  sink.OnUpsert("default/web-1", Slice("web-1", "web", "10.0.0.1"));
  sink.OnUpsert("default/web-2", Slice("web-2", "web", "10.0.0.2"));
  auto& endpoints = bus.state[bus::Topic::kEndpoints];
  REQUIRE(endpoints.count("default/web") == 1);
  CHECK(endpoints["default/web"]["endpoints"].size() == 2);

  sink.OnDelete("default/web-1");
  CHECK(endpoints["default/web"]["endpoints"].size() == 1);
  sink.OnDelete("default/web-2");
  CHECK(endpoints.count("default/web") == 0);
}

TEST_CASE("the bus is marked in sync once, after every kind is listed", "[informer][sink]") {
  MapBus bus;
  std::vector<std::unique_ptr<PublishingSink>> sinks;
  int listed = 0;
  for (const KindInfo& info : kKinds) {
    sinks.push_back(std::make_unique<PublishingSink>(info, bus, [&] {
      if (++listed == static_cast<int>(kKinds.size())) bus.MarkInSync();
    }));
  }
  for (auto& sink : sinks) {
    CHECK(bus.in_sync_marks == 0);
    sink->OnListed();
  }
  CHECK(bus.in_sync_marks == 1);
}
