#include "tools/kr-apiserver/store.h"

#include <catch2/catch.hpp>
#include <set>

namespace kr::apiserver {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

const ResourceType& Pods() {
  return *FindResourceType("", "v1", "pods");
}
const ResourceType& ConfigMaps() {
  return *FindResourceType("", "v1", "configmaps");
}
const ResourceType& Deployments() {
  return *FindResourceType("apps", "v1", "deployments");
}

json NamedPod(const std::string& name, json labels = json::object()) {
  return {{"metadata", {{"name", name}, {"labels", labels}}}, {"spec", {{"nodeName", "n1"}}}};
}

uint64_t Rv(const ObjectPtr& object) {
  return std::stoull((*object)["metadata"]["resourceVersion"].get<std::string>());
}

WatchFilter PodFilter(const std::string& ns = "") {
  return {&Pods(), ns, {}, {}};
}

TEST_CASE("create fills server metadata and needs the namespace", "[kr-apiserver][store]") {
  Store store(100);
  store.AddDefaultNamespaces();
  auto created = store.Create(Pods(), "default", NamedPod("a"));
  REQUIRE(created.ok());
  const json& meta = (**created)["metadata"];
  CHECK(meta["namespace"] == "default");
  CHECK(meta["uid"].get<std::string>().size() == 36);
  CHECK(meta["creationTimestamp"].get<std::string>().back() == 'Z');
  CHECK(Rv(*created) == store.CurrentResourceVersion());
  CHECK_FALSE(created.value()->contains("kind"));

  auto again = store.Create(Pods(), "default", NamedPod("a"));
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == 409);
  CHECK(again.error().reason == "AlreadyExists");

  auto missing_ns = store.Create(Pods(), "nowhere", NamedPod("b"));
  REQUIRE_FALSE(missing_ns.ok());
  CHECK(missing_ns.error().code == 404);
  CHECK(missing_ns.error().message == "namespaces \"nowhere\" not found");

  auto generated = store.Create(Pods(), "default", {{"metadata", {{"generateName", "web-"}}}});
  REQUIRE(generated.ok());
  std::string name = (**generated)["metadata"]["name"];
  CHECK(name.rfind("web-", 0) == 0);
  CHECK(name.size() == 9);

  auto deployment = store.Create(Deployments(), "default", {{"metadata", {{"name", "d"}}}});
  REQUIRE(deployment.ok());
  CHECK((**deployment)["metadata"]["generation"] == 1);
}

TEST_CASE("update checks resourceVersion, keeps status on the main resource",
          "[kr-apiserver][store]") {
  Store store(100);
  store.AddDefaultNamespaces();
  json pod = NamedPod("a");
  pod["status"] = {{"phase", "Pending"}};
  auto created = store.Create(Pods(), "default", pod);
  REQUIRE(created.ok());
  std::string rv = (**created)["metadata"]["resourceVersion"];

  json changed = **created;
  changed["spec"]["nodeName"] = "n2";
  changed["status"]["phase"] = "Running";  // ignored by the main resource
  auto updated = store.Update(Pods(), "default", "a", changed, UpdateScope::kMain);
  REQUIRE(updated.ok());
  CHECK((**updated)["spec"]["nodeName"] == "n2");
  CHECK((**updated)["status"]["phase"] == "Pending");
  CHECK((**updated)["metadata"]["uid"] == (**created)["metadata"]["uid"]);

  auto stale = store.Update(Pods(), "default", "a", changed, UpdateScope::kMain);
  REQUIRE_FALSE(stale.ok());
  CHECK(stale.error().code == 409);
  CHECK(stale.error().reason == "Conflict");

  json status_only = **updated;
  status_only["status"]["phase"] = "Running";
  status_only["spec"]["nodeName"] = "ignored";
  auto status = store.Update(Pods(), "default", "a", status_only, UpdateScope::kStatus);
  REQUIRE(status.ok());
  CHECK((**status)["status"]["phase"] == "Running");
  CHECK((**status)["spec"]["nodeName"] == "n2");

  // Writing the same object again is not a change: no new resourceVersion.
  uint64_t before = store.CurrentResourceVersion();
  auto same = store.Update(Pods(), "default", "a", **status, UpdateScope::kMain);
  REQUIRE(same.ok());
  CHECK(store.CurrentResourceVersion() == before);

  auto missing = store.Update(Pods(), "default", "zzz", **status, UpdateScope::kMain);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == 404);
}

TEST_CASE("generation follows spec changes where the type tracks it", "[kr-apiserver][store]") {
  Store store(100);
  store.AddDefaultNamespaces();
  auto created = store.Create(Deployments(), "default",
                              {{"metadata", {{"name", "d"}}}, {"spec", {{"replicas", 1}}}});
  REQUIRE(created.ok());
  json labelled = **created;
  labelled["metadata"]["labels"] = {{"a", "b"}};
  auto meta_only = store.Update(Deployments(), "default", "d", labelled, UpdateScope::kMain);
  REQUIRE(meta_only.ok());
  CHECK((**meta_only)["metadata"]["generation"] == 1);
  json scaled = **meta_only;
  scaled["spec"]["replicas"] = 3;
  auto spec = store.Update(Deployments(), "default", "d", scaled, UpdateScope::kMain);
  REQUIRE(spec.ok());
  CHECK((**spec)["metadata"]["generation"] == 2);
}

TEST_CASE("paged lists are consistent at the first page's resourceVersion",
          "[kr-apiserver][store]") {
  Store store(1000);
  store.AddDefaultNamespaces();
  for (int i = 0; i < 10; ++i) {
    REQUIRE(store.Create(Pods(), "default", NamedPod("p" + std::to_string(i))).ok());
  }
  ListOptions options;
  options.limit = 4;
  auto first = store.List(Pods(), options);
  REQUIRE(first.ok());
  CHECK(first->items.size() == 4);
  REQUIRE_FALSE(first->continue_token.empty());
  REQUIRE(first->remaining_items);
  CHECK(*first->remaining_items == 6);

  // Changes after the first page must not show up in later pages.
  REQUIRE(store.Delete(Pods(), "default", "p7", "", "").ok());
  REQUIRE(store.Create(Pods(), "default", NamedPod("p55")).ok());

  std::vector<std::string> names;
  for (const auto& item : first->items) names.push_back((*item)["metadata"]["name"]);
  std::string token = first->continue_token;
  while (!token.empty()) {
    options.continue_token = token;
    auto page = store.List(Pods(), options);
    REQUIRE(page.ok());
    CHECK(page->rv == first->rv);
    for (const auto& item : page->items) names.push_back((*item)["metadata"]["name"]);
    token = page->continue_token;
  }
  std::vector<std::string> expected;
  for (int i = 0; i < 10; ++i) expected.push_back("p" + std::to_string(i));
  CHECK(names == expected);

  // The next list sees the changes.
  ListOptions fresh;
  auto now = store.List(Pods(), fresh);
  REQUIRE(now.ok());
  CHECK(now->items.size() == 10);
}

TEST_CASE("a continue token older than the history answers 410 Expired", "[kr-apiserver][store]") {
  Store store(3);
  store.AddDefaultNamespaces();
  for (int i = 0; i < 5; ++i)
    REQUIRE(store.Create(ConfigMaps(), "default", NamedPod("c" + std::to_string(i))).ok());
  ListOptions options;
  options.limit = 2;
  auto first = store.List(ConfigMaps(), options);
  REQUIRE(first.ok());
  for (int i = 0; i < 5; ++i)
    REQUIRE(store.Create(ConfigMaps(), "default", NamedPod("d" + std::to_string(i))).ok());
  options.continue_token = first->continue_token;
  auto expired = store.List(ConfigMaps(), options);
  REQUIRE_FALSE(expired.ok());
  CHECK(expired.error().code == 410);
  CHECK(expired.error().reason == "Expired");

  options.continue_token = "not-a-token!";
  auto bad = store.List(ConfigMaps(), options);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == 400);
}

TEST_CASE("watch replays history in order and expires when compacted", "[kr-apiserver][store]") {
  Store store(4);
  store.AddDefaultNamespaces();
  uint64_t start = store.CurrentResourceVersion();
  REQUIRE(store.Create(Pods(), "default", NamedPod("a")).ok());
  REQUIRE(store.Create(Pods(), "default", NamedPod("b")).ok());
  REQUIRE(store.Delete(Pods(), "default", "a", "", "").ok());

  auto batch = store.WaitForEvents(PodFilter(), start, Clock::now());
  REQUIRE(batch.events.size() == 3);
  CHECK(batch.events[0].event == EventType::kAdded);
  CHECK(batch.events[1].event == EventType::kAdded);
  CHECK(batch.events[2].event == EventType::kDeleted);
  CHECK((*batch.events[2].object)["metadata"]["name"] == "a");
  CHECK(Rv(batch.events[2].object) == store.CurrentResourceVersion());
  CHECK(batch.cursor == store.CurrentResourceVersion());

  // Nothing new: returns empty at the deadline.
  auto idle =
      store.WaitForEvents(PodFilter(), batch.cursor, Clock::now() + std::chrono::milliseconds(20));
  CHECK(idle.events.empty());
  CHECK_FALSE(idle.expired);

  for (int i = 0; i < 5; ++i)
    REQUIRE(store.Create(Pods(), "default", NamedPod("x" + std::to_string(i))).ok());
  auto expired = store.WaitForEvents(PodFilter(), start, Clock::now());
  CHECK(expired.expired);
  CHECK(store.CompactedResourceVersion() > start);
}

TEST_CASE("watch with a selector sees objects enter and leave", "[kr-apiserver][store]") {
  Store store(100);
  store.AddDefaultNamespaces();
  auto created = store.Create(Pods(), "default", NamedPod("a", {{"app", "web"}}));
  REQUIRE(created.ok());
  uint64_t start = store.CurrentResourceVersion();
  WatchFilter filter = PodFilter("default");
  auto selector = LabelSelector::Parse("app=web");
  REQUIRE(selector.ok());
  filter.labels = *selector;

  json relabelled = **created;
  relabelled["metadata"]["labels"]["app"] = "db";
  auto left = store.Update(Pods(), "default", "a", relabelled, UpdateScope::kMain);
  REQUIRE(left.ok());
  json back = **left;
  back["metadata"]["labels"]["app"] = "web";
  REQUIRE(store.Update(Pods(), "default", "a", back, UpdateScope::kMain).ok());

  auto batch = store.WaitForEvents(filter, start, Clock::now());
  REQUIRE(batch.events.size() == 2);
  CHECK(batch.events[0].event == EventType::kDeleted);
  CHECK(batch.events[1].event == EventType::kAdded);
}

TEST_CASE("a waiting watcher wakes on a write and on stop", "[kr-apiserver][store]") {
  Store store(100);
  store.AddDefaultNamespaces();
  uint64_t start = store.CurrentResourceVersion();
  std::thread writer([&] { REQUIRE(store.Create(Pods(), "default", NamedPod("late")).ok()); });
  auto batch = store.WaitForEvents(PodFilter(), start, Clock::now() + std::chrono::seconds(30));
  writer.join();
  REQUIRE(batch.events.size() == 1);
  CHECK((*batch.events[0].object)["metadata"]["name"] == "late");

  std::thread stopper([&] { store.Stop(); });
  auto stopped =
      store.WaitForEvents(PodFilter(), batch.cursor, Clock::now() + std::chrono::seconds(30));
  stopper.join();
  CHECK(stopped.stopped);
}

TEST_CASE("deleting a namespace deletes what is in it", "[kr-apiserver][store]") {
  Store store(100);
  store.AddDefaultNamespaces();
  const ResourceType& namespaces = *FindResourceType("", "v1", "namespaces");
  REQUIRE(store.Create(namespaces, "", {{"metadata", {{"name", "t"}}}}).ok());
  REQUIRE(store.Create(Pods(), "t", NamedPod("a")).ok());
  REQUIRE(store.Create(ConfigMaps(), "t", NamedPod("c")).ok());
  REQUIRE(store.Create(Pods(), "default", NamedPod("keep")).ok());
  auto stale_uid = store.Delete(namespaces, "", "t", "wrong-uid", "");
  REQUIRE_FALSE(stale_uid.ok());
  CHECK(stale_uid.error().code == 409);
  REQUIRE(store.Delete(namespaces, "", "t", "", "").ok());
  CHECK_FALSE(store.Get(Pods(), "t", "a").ok());
  CHECK_FALSE(store.Get(ConfigMaps(), "t", "c").ok());
  CHECK(store.Get(Pods(), "default", "keep").ok());
}

TEST_CASE("state survives a dump and load", "[kr-apiserver][store]") {
  Store store(100);
  store.AddDefaultNamespaces();
  REQUIRE(store.Create(Pods(), "default", NamedPod("a")).ok());
  json state = store.Dump();
  Store restored(100);
  REQUIRE(restored.Load(state).ok());
  CHECK(restored.CurrentResourceVersion() == store.CurrentResourceVersion());
  auto pod = restored.Get(Pods(), "default", "a");
  REQUIRE(pod.ok());
  CHECK(**pod == **store.Get(Pods(), "default", "a"));
  // A watch from before the restart cannot be served: the history is gone.
  CHECK(restored.WaitForEvents(PodFilter(), 1, Clock::now()).expired);
}

}  // namespace
}  // namespace kr::apiserver

namespace kr::apiserver {
namespace {

TEST_CASE("services get defaults, a ClusterIP and NodePorts", "[kr-apiserver][store]") {
  Store store(100);
  auto network =
      ParseServiceNetwork("192.0.2.0/29");  // .2 to .6 usable: .1 is kept for "kubernetes"
  REQUIRE(network);
  store.SetServiceNetwork(*network);
  store.AddDefaultNamespaces();
  const ResourceType& services = *FindResourceType("", "v1", "services");
  auto svc = [](const std::string& name, const std::string& type) {
    return nlohmann::json{{"metadata", {{"name", name}}},
                          {"spec", {{"type", type}, {"ports", {{{"port", 80}}}}}}};
  };
  auto a = store.Create(services, "default", svc("a", "ClusterIP"));
  REQUIRE(a.ok());
  const auto& spec = (**a)["spec"];
  CHECK(spec["clusterIP"] == "192.0.2.2");
  CHECK(spec["clusterIPs"] == nlohmann::json{"192.0.2.2"});
  CHECK(spec["sessionAffinity"] == "None");
  CHECK(spec["ports"][0]["protocol"] == "TCP");
  CHECK(spec["ports"][0]["targetPort"] == 80);
  CHECK_FALSE(spec["ports"][0].contains("nodePort"));

  auto b = store.Create(services, "default", svc("b", "NodePort"));
  REQUIRE(b.ok());
  CHECK((**b)["spec"]["clusterIP"] == "192.0.2.3");
  CHECK((**b)["spec"]["ports"][0]["nodePort"] == 30000);
  CHECK((**b)["spec"]["externalTrafficPolicy"] == "Cluster");

  // An update that leaves out the allocated values keeps them.
  nlohmann::json update = svc("b", "NodePort");
  auto updated = store.Update(services, "default", "b", update, UpdateScope::kMain);
  REQUIRE(updated.ok());
  CHECK((**updated)["spec"]["clusterIP"] == "192.0.2.3");
  CHECK((**updated)["spec"]["ports"][0]["nodePort"] == 30000);

  nlohmann::json taken = svc("c", "ClusterIP");
  taken["spec"]["clusterIP"] = "192.0.2.2";
  auto conflict = store.Create(services, "default", taken);
  REQUIRE_FALSE(conflict.ok());
  CHECK(conflict.error().code == 422);

  nlohmann::json headless = svc("h", "ClusterIP");
  headless["spec"]["clusterIP"] = "None";
  auto h = store.Create(services, "default", headless);
  REQUIRE(h.ok());
  CHECK((**h)["spec"]["clusterIPs"] == nlohmann::json{"None"});

  for (const char* name : {"d", "e", "f"}) {
    REQUIRE(store.Create(services, "default", svc(name, "ClusterIP")).ok());
  }
  auto full = store.Create(services, "default", svc("z", "ClusterIP"));
  REQUIRE_FALSE(full.ok());
  CHECK(full.error().code == 422);
  // Deleting frees the address.
  REQUIRE(store.Delete(services, "default", "a", "", "").ok());
  auto reused = store.Create(services, "default", svc("z", "ClusterIP"));
  REQUIRE(reused.ok());
  CHECK((**reused)["spec"]["clusterIP"] == "192.0.2.2");
}

TEST_CASE("service allocation stays cheap and exact with many services", "[kr-apiserver][store]") {
  // Creating a service used to scan every stored service: 20,000 took minutes. It is now an
  // index lookup, and the addresses are the same as the scan gave: the lowest free one.
  Store store(100);
  auto network = ParseServiceNetwork("198.18.0.0/16");
  REQUIRE(network);
  store.SetServiceNetwork(*network);
  store.AddDefaultNamespaces();
  const ResourceType& services = *FindResourceType("", "v1", "services");
  const ResourceType& namespaces = *FindResourceType("", "v1", "namespaces");
  REQUIRE(store.Create(namespaces, "", {{"metadata", {{"name", "gone"}}}}).ok());
  auto svc = [](const std::string& name) {
    return nlohmann::json{{"metadata", {{"name", name}}},
                          {"spec", {{"type", "NodePort"}, {"ports", {{{"port", 80}}}}}}};
  };
  auto ip_of = [](const ApiResult<ObjectPtr>& created) {
    return (**created)["spec"]["clusterIP"].get<std::string>();
  };
  auto ip = [](int offset) {
    return "198.18." + std::to_string(offset / 256) + "." + std::to_string(offset % 256);
  };
  constexpr int kServices = 20000;
  std::set<int> node_ports;
  for (int i = 0; i < kServices; ++i) {
    const bool with_node_port = i < 2000;  // the NodePort range holds 2,768
    auto object = svc("s" + std::to_string(i));
    if (!with_node_port) object["spec"]["type"] = "ClusterIP";
    auto created = store.Create(services, i < 10 ? "gone" : "default", object);
    REQUIRE(created.ok());
    REQUIRE(ip_of(created) == ip(i + 2));
    if (with_node_port) node_ports.insert((**created)["spec"]["ports"][0]["nodePort"].get<int>());
  }
  CHECK(node_ports.size() == 2000);

  // Freed addresses are reused lowest first, by delete and by a namespace's cascade.
  REQUIRE(store.Delete(services, "default", "s500", "", "").ok());
  REQUIRE(store.Delete(services, "default", "s300", "", "").ok());
  CHECK(ip_of(store.Create(services, "default", svc("n1"))) == ip(302));
  CHECK(ip_of(store.Create(services, "default", svc("n2"))) == ip(502));
  REQUIRE(store.Delete(namespaces, "", "gone", "", "").ok());
  CHECK(ip_of(store.Create(services, "default", svc("n3"))) == ip(2));
  // A taken address is refused; an update that moves a service takes the new address.
  auto taken = svc("t");
  taken["spec"]["clusterIP"] = ip(100);
  CHECK_FALSE(store.Create(services, "default", taken).ok());
  auto moved = svc("s98");
  moved["spec"]["clusterIP"] = ip(5);  // freed by the namespace's delete
  REQUIRE(store.Update(services, "default", "s98", moved, UpdateScope::kMain).ok());
  CHECK(ip_of(store.Create(services, "default", svc("n4"))) == ip(3));
  CHECK(ip_of(store.Create(services, "default", svc("n5"))) == ip(4));
  CHECK(ip_of(store.Create(services, "default", svc("n6"))) == ip(6));
  CHECK(ip_of(store.Create(services, "default", svc("n7"))) == ip(7));

  // After a restart from the state file the index is rebuilt.
  Store restored(100);
  restored.SetServiceNetwork(*network);
  REQUIRE(restored.Load(store.Dump()).ok());
  CHECK(ip_of(restored.Create(services, "default", svc("r1"))) == ip(8));
  taken["spec"]["clusterIP"] = ip(4);
  CHECK_FALSE(restored.Create(services, "default", taken).ok());
}

}  // namespace
}  // namespace kr::apiserver
