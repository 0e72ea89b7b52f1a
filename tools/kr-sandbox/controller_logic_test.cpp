// The sandbox controller's pure parts: pod CIDR allocation, deployment plans and scheduling,
// EndpointSlices (named target ports, readiness, grouping), and the pods' echo ports.
#include <catch2/catch.hpp>

#include "tools/kr-sandbox/deployment_plan.h"
#include "tools/kr-sandbox/endpoint_slices.h"
#include "tools/kr-sandbox/pod_cidrs.h"
#include "tools/kr-sandbox/pod_runtime.h"

namespace kr::sandbox {
namespace {

Json Deployment(int replicas) {
  return Json::parse(R"({
    "metadata": {"name": "web", "namespace": "demo", "uid": "d-1", "generation": 2},
    "spec": {"replicas": 1, "template": {"metadata": {"labels": {"app": "web"}},
             "spec": {"containers": [{"name": "c", "ports": [{"name": "http", "containerPort": 8080}]}]}}}
  })")
      .patch(Json::array({{{"op", "replace"}, {"path", "/spec/replicas"}, {"value", replicas}}}));
}

Json OwnedPod(const Json& deployment, const std::string& name, const std::string& node, bool ready,
              const std::string& hash) {
  Json pod = {{"metadata",
               {{"name", name},
                {"namespace", "demo"},
                {"labels", {{"app", "web"}, {"pod-template-hash", hash}}},
                {"ownerReferences",
                 {{{"kind", "Deployment"},
                   {"uid", deployment["metadata"]["uid"]},
                   {"controller", true}}}}}},
              {"spec", {{"nodeName", node}}}};
  if (ready) pod["status"]["conditions"] = {{{"type", "Ready"}, {"status", "True"}}};
  return pod;
}

Json Pod(const std::string& name, const Json& labels, const std::string& ip, bool ready,
         const Json& container_ports = Json::array()) {
  Json pod = {
      {"metadata",
       {{"name", name}, {"namespace", "demo"}, {"uid", "u-" + name}, {"labels", labels}}},
      {"spec",
       {{"nodeName", "node-1"}, {"containers", {{{"name", "c"}, {"ports", container_ports}}}}}},
      {"status", {{"phase", "Running"}}}};
  if (!ip.empty()) pod["status"]["podIP"] = ip;
  pod["status"]["conditions"] = {{{"type", "Ready"}, {"status", ready ? "True" : "False"}}};
  return pod;
}

TEST_CASE("pod CIDRs are the lowest free blocks of the cluster CIDR") {
  CHECK(*NextPodCidr("198.18.0.0/16", 24, {}) == "198.18.0.0/24");
  CHECK(*NextPodCidr("198.18.0.0/16", 24, {"198.18.0.0/24", "198.18.2.0/24"}) == "198.18.1.0/24");
  CHECK(*NextPodCidr("198.18.7.9/16", 24, {}) == "198.18.0.0/24");  // host bits ignored
  auto full = NextPodCidr("198.18.0.0/23", 24, {"198.18.0.0/24", "198.18.1.0/24"});
  REQUIRE_FALSE(full.ok());
  CHECK(full.error().code == ENOSPC);
  CHECK(NextPodCidr("198.18.0.0/16", 8, {}).error().code == EINVAL);
  CHECK(NextPodCidr("nonsense", 24, {}).error().code == EINVAL);
}

TEST_CASE("the scheduler fills the least loaded node, ties in turn") {
  std::map<std::string, Json> pods = {{"a", {{"spec", {{"nodeName", "n1"}}}}}};
  PodScheduler scheduler({"n1", "n2", "n3"}, pods);
  std::vector<std::string> picks;
  for (int i = 0; i < 5; ++i) picks.push_back(*scheduler.Pick());
  CHECK(picks == std::vector<std::string>{"n2", "n3", "n1", "n2", "n3"});
  PodScheduler none({}, pods);
  CHECK_FALSE(none.Pick().has_value());
}

TEST_CASE("a deployment gets pods named after it and its template hash") {
  const Json deployment = Deployment(3);
  PodScheduler scheduler({"n1", "n2"}, {});
  int counter = 0;
  auto plan =
      PlanDeployment(deployment, {}, scheduler, [&] { return "s" + std::to_string(++counter); });
  REQUIRE(plan.create.size() == 3);
  CHECK(plan.delete_names.empty());
  const std::string hash = TemplateHash(deployment["spec"]["template"]);
  CHECK(plan.create[0]["metadata"]["name"] == "web-" + hash + "-s1");
  CHECK(plan.create[0]["metadata"]["labels"]["app"] == "web");
  CHECK(plan.create[0]["metadata"]["labels"]["pod-template-hash"] == hash);
  CHECK(plan.create[0]["metadata"]["ownerReferences"][0]["uid"] == "d-1");
  CHECK(plan.create[0]["spec"]["containers"][0]["name"] == "c");
  CHECK(plan.create[0]["spec"]["nodeName"] == "n1");
  CHECK(plan.create[1]["spec"]["nodeName"] == "n2");
  CHECK(plan.create[2]["spec"]["nodeName"] == "n1");
  CHECK(plan.status["replicas"] == 0);
  CHECK(plan.status["observedGeneration"] == 2);
}

TEST_CASE("scaling down deletes unready pods first, a new template replaces all") {
  const Json deployment = Deployment(1);
  const std::string hash = TemplateHash(deployment["spec"]["template"]);
  std::vector<Json> owned = {OwnedPod(deployment, "web-a", "n1", true, hash),
                             OwnedPod(deployment, "web-b", "n2", false, hash),
                             OwnedPod(deployment, "web-old", "n2", true, "oldhash")};
  PodScheduler scheduler({"n1", "n2"}, {});
  auto plan = PlanDeployment(deployment, owned, scheduler, [] { return "x"; });
  CHECK(plan.create.empty());
  CHECK(plan.delete_names == std::vector<std::string>{"web-old", "web-b"});
  CHECK(plan.status["replicas"] == 3);
  CHECK(plan.status["updatedReplicas"] == 2);
  CHECK(plan.status["readyReplicas"] == 2);
  CHECK(plan.status["unavailableReplicas"] == 1);

  Json changed = deployment;
  changed["spec"]["template"]["metadata"]["labels"]["version"] = "2";
  auto replaced = PlanDeployment(changed, {owned[0]}, scheduler, [] { return "y"; });
  CHECK(replaced.delete_names == std::vector<std::string>{"web-a"});
  REQUIRE(replaced.create.size() == 1);
  CHECK(replaced.create[0]["metadata"]["labels"]["pod-template-hash"] !=
        owned[0]["metadata"]["labels"]["pod-template-hash"]);
}

TEST_CASE("endpoint slices list the selected pods with IPs, readiness and resolved ports") {
  const Json service = Json::parse(R"({
    "metadata": {"name": "web", "namespace": "demo", "uid": "s-1"},
    "spec": {"selector": {"app": "web"},
             "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]}})");
  const Json http_8080 = Json::parse(R"([{"name": "http", "containerPort": 8080}])");
  const Json http_9090 = Json::parse(R"([{"name": "http", "containerPort": 9090}])");
  std::vector<Json> pods = {
      Pod("web-b", {{"app", "web"}}, "198.18.0.3", false, http_8080),
      Pod("web-a", {{"app", "web"}}, "198.18.0.2", true, http_8080),
      Pod("web-c", {{"app", "web"}}, "198.18.1.2", true, http_9090),
      Pod("web-noip", {{"app", "web"}}, "", true, http_8080),
      Pod("other", {{"app", "db"}}, "198.18.0.9", true, http_8080),
  };
  auto slices = DesiredEndpointSlices(service, pods);
  REQUIRE(slices.size() == 2);  // two port resolutions
  const Json* main = nullptr;
  const Json* odd = nullptr;
  for (const Json& slice : slices) {
    CHECK(slice["metadata"]["labels"][kServiceNameLabel] == "web");
    CHECK(slice["metadata"]["labels"][kManagedByLabel] == kManagedByValue);
    CHECK(slice["addressType"] == "IPv4");
    (slice["ports"][0]["port"] == 8080 ? main : odd) = &slice;
  }
  REQUIRE(main);
  REQUIRE(odd);
  REQUIRE((*main)["endpoints"].size() == 2);
  CHECK((*main)["endpoints"][0]["addresses"][0] == "198.18.0.2");  // sorted by pod name
  CHECK((*main)["endpoints"][0]["conditions"]["ready"] == true);
  CHECK((*main)["endpoints"][1]["conditions"]["ready"] == false);
  CHECK((*main)["endpoints"][0]["targetRef"]["name"] == "web-a");
  CHECK((*main)["endpoints"][0]["targetRef"]["uid"] == "u-web-a");
  CHECK((*main)["endpoints"][0]["nodeName"] == "node-1");
  CHECK((*main)["ports"][0]["name"] == "http");
  CHECK((*odd)["endpoints"].size() == 1);

  // Label changes and deletions show in the next computation; updates are detected.
  pods[1]["metadata"]["labels"]["app"] = "moved";
  auto after = DesiredEndpointSlices(service, pods);
  const Json& main_after = after[0]["ports"][0]["port"] == 8080 ? after[0] : after[1];
  CHECK(main_after["endpoints"].size() == 1);
  CHECK(SliceNeedsUpdate(*main, main_after));
  CHECK_FALSE(SliceNeedsUpdate(*main, *main));
}

TEST_CASE("services without selector or of type ExternalName get no slices") {
  CHECK_FALSE(ServiceWantsSlices(Json::parse(R"({"spec": {"ports": []}})")));
  CHECK_FALSE(ServiceWantsSlices(
      Json::parse(R"({"spec": {"type": "ExternalName", "selector": {"a": "b"}}})")));
  CHECK(ServiceWantsSlices(Json::parse(R"({"spec": {"selector": {"a": "b"}}})")));
  const Json numeric = Json::parse(R"({"metadata": {"name": "s", "namespace": "demo"},
      "spec": {"selector": {"app": "web"}, "ports": [{"port": 53, "protocol": "UDP"}]}})");
  auto slices = DesiredEndpointSlices(numeric, {Pod("p", {{"app", "web"}}, "2001:db8::5", true)});
  REQUIRE(slices.size() == 1);
  CHECK(slices[0]["addressType"] == "IPv6");
  CHECK(slices[0]["ports"][0]["port"] == 53);  // targetPort defaults to port
  CHECK(slices[0]["ports"][0]["protocol"] == "UDP");
}

TEST_CASE("a selector that matches nothing keeps one empty slice of the service's family") {
  const Json service = Json::parse(R"({"metadata": {"name": "none", "namespace": "demo"},
      "spec": {"selector": {"app": "nothing"}, "ipFamilies": ["IPv6"],
               "ports": [{"port": 80}]}})");
  auto slices = DesiredEndpointSlices(service, {Pod("p", {{"app", "web"}}, "198.18.0.2", true)});
  REQUIRE(slices.size() == 1);
  CHECK(slices[0]["addressType"] == "IPv6");
  CHECK(slices[0]["endpoints"] == Json::array());
  CHECK_FALSE(slices[0].contains("ports"));
  CHECK(slices[0]["metadata"]["labels"][kServiceNameLabel] == "none");
  CHECK_FALSE(SliceNeedsUpdate(slices[0], slices[0]));

  // The first matching pod replaces it with a slice of its own (another port set, another name).
  auto matched =
      DesiredEndpointSlices(service, {Pod("p", {{"app", "nothing"}}, "2001:db8::2", true)});
  REQUIRE(matched.size() == 1);
  CHECK(matched[0]["endpoints"].size() == 1);
  CHECK(matched[0]["metadata"]["name"] != slices[0]["metadata"]["name"]);

  const Json v4 = Json::parse(R"({"metadata": {"name": "none", "namespace": "demo"},
      "spec": {"selector": {"app": "nothing"}, "clusterIP": "10.96.0.10"}})");
  CHECK(DesiredEndpointSlices(v4, {})[0]["addressType"] == "IPv4");
}

TEST_CASE("pods serve their declared TCP and UDP ports, 8080 when none") {
  auto defaults = EchoPortsOf(Json::parse(R"({"spec": {"containers": [{"name": "c"}]}})"));
  CHECK(defaults.tcp == std::vector<int>{8080});
  CHECK(defaults.udp == std::vector<int>{8080});
  auto declared = EchoPortsOf(Json::parse(R"({"spec": {"containers": [
      {"ports": [{"containerPort": 80}, {"containerPort": 53, "protocol": "UDP"},
                 {"containerPort": 9, "protocol": "SCTP"}]}]}})"));
  CHECK(declared.tcp == std::vector<int>{80});
  CHECK(declared.udp == std::vector<int>{53});
  CHECK(PodNetnsName("krsb-", "demo", "web-1") == "krsb-demo_web-1");
}

}  // namespace
}  // namespace kr::sandbox
