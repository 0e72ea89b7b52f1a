// The sandbox end to end on one kernel (privileged tier; also runs unchanged in the vm tier):
// kr-apiserver and kr-sandbox-controller in a "hub" namespace holding the bridge, two
// kr-sandbox-agent nodes in namespaces on that bridge, pods made by the real CNI bridge and
// host-local plugins. A Deployment of 3 becomes 3 pods with IPs from their nodes' pod CIDRs
// that answer HTTP and UDP with their names; the Service's EndpointSlice lists the 3 ready
// endpoints and follows a label change; scaling to 1 shrinks it and removes the pods' namespaces;
// deleted pods are replaced and cleaned up; stopping the agents removes everything they made.
//
// The programs are found beside this binary (the build tree), kr-apiserver in
// ../kr-apiserver; KR_SANDBOX_BIN_DIR and KR_APISERVER override them.
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <thread>
#include <tuple>

#include "test/support/netns.h"
#include "test/support/temp_dir.h"
#include "tools/kr-sandbox/api_client.h"
#include "tools/kr-sandbox/process.h"

namespace kr::sandbox {
namespace {

namespace fs = std::filesystem;
using test::TempDir;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

// Generous: the vm tier emulates the CPU.
constexpr auto kDeadline = 120s;

std::string BinDir() {
  if (const char* dir = std::getenv("KR_SANDBOX_BIN_DIR")) return dir;
  return fs::read_symlink("/proc/self/exe").parent_path().string();
}

std::string ApiserverPath() {
  if (const char* path = std::getenv("KR_APISERVER")) return path;
  return (fs::path(BinDir()).parent_path() / "kr-apiserver" / "kr-apiserver").string();
}

// Polls `done` until it holds or the deadline passes: the condition is the synchronization,
// the pause between polls only limits the load.
bool WaitUntil(const std::function<bool()>& done, std::chrono::seconds deadline = kDeadline) {
  const auto until = Clock::now() + deadline;
  while (Clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return done();
}

// A temporary directory removed with everything in it.
// Removes the pod namespaces of this run left by an agent that did not clean up (only after
// the processes are gone: it is declared before them).
class PodNetnsSweeper {
 public:
  explicit PodNetnsSweeper(std::string prefix) : prefix_(std::move(prefix)) {}
  ~PodNetnsSweeper() {
    for (const auto& name : Left()) test::RunCommand({"ip", "netns", "delete", name});
  }
  std::vector<std::string> Left() const {
    std::vector<std::string> names;
    std::error_code ignored;
    for (const auto& entry : fs::directory_iterator("/run/netns", ignored)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind(prefix_, 0) == 0) names.push_back(name);
    }
    return names;
  }

 private:
  std::string prefix_;
};

Json Str(const Json& object, const char* pointer) {
  return object.value(Json::json_pointer(pointer), Json());
}

bool SameSlash24(const std::string& ip, const std::string& cidr) {
  return ip.substr(0, ip.rfind('.')) == cidr.substr(0, cidr.rfind('.'));
}

// One UDP datagram to ip:port from inside `ns`; the answer, or "" after 5 s.
std::string UdpAsk(const test::NetNs& ns, const std::string& ip, int port) {
  return ns.Run([&]() -> std::string {
    test::UniqueFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    timeval timeout{5, 0};
    setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, ip.c_str(), &addr.sin_addr);
    for (int attempt = 0; attempt < 3; ++attempt) {
      sendto(fd.get(), "who?", 4, 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
      char buffer[256];
      const ssize_t n = recv(fd.get(), buffer, sizeof buffer, 0);
      if (n > 0) return std::string(buffer, static_cast<size_t>(n));
    }
    return "";
  });
}

TEST_CASE("sandbox: deployment -> pods in node namespaces via CNI -> endpoint slices") {
  const std::string bin = BinDir();
  REQUIRE(fs::exists(ApiserverPath()));
  REQUIRE(fs::exists("/usr/lib/cni/bridge"));
  const std::string prefix = "krt" + std::to_string(getpid()) + "-";

  // The network: a hub namespace with a bridge, two nodes on it (192.0.2.0/24, TEST-NET-1).
  test::NetNs hub("hub"), node1("node1"), node2("node2");
  hub.ExecOrThrow({"ip", "link", "add", "br0", "type", "bridge"});
  hub.LinkUp("br0");
  hub.AddAddress("br0", "192.0.2.1/24");
  test::VethPair link1(hub, "n1", node1, "eth0"), link2(hub, "n2", node2, "eth0");
  for (const char* port : {"n1", "n2"})
    hub.ExecOrThrow({"ip", "link", "set", port, "master", "br0"});
  node1.AddAddress("eth0", "192.0.2.11/24");
  node2.AddAddress("eth0", "192.0.2.12/24");
  TempDir dir;
  PodNetnsSweeper sweeper(prefix);

  // The apiserver; its first stdout line names the address.
  auto apiserver =
      ChildProcess::Start({"ip", "netns", "exec", hub.name(), ApiserverPath(), "--insecure-http",
                           "--bind-address", "192.0.2.1", "--port", "0"});
  REQUIRE(apiserver.ok());
  auto listening = apiserver->ReadLine(60s);
  REQUIRE(listening.ok());
  const std::string master = listening->substr(listening->rfind(' ') + 1);
  REQUIRE(master.rfind("http://192.0.2.1:", 0) == 0);

  auto controller =
      ChildProcess::Start({"ip", "netns", "exec", hub.name(), bin + "/kr-sandbox-controller",
                           "--master", master, "--cluster-cidr", "198.18.0.0/16"});
  REQUIRE(controller.ok());
  std::vector<ChildProcess> agents;
  // On failure too, the agents get the time to tear their pods down before the sweeper.
  struct StopAgents {
    std::vector<ChildProcess>& agents;
    ~StopAgents() {
      for (auto& agent : agents) agent.Stop(30s);
    }
  } stop_agents{agents};
  for (const auto& [node, ns, ip] :
       {std::tuple{"node-1", &node1, "192.0.2.11"}, std::tuple{"node-2", &node2, "192.0.2.12"}}) {
    const std::string name = node;
    auto agent = ChildProcess::Start({bin + "/kr-sandbox-agent", "--node", name, "--node-ip", ip,
                                      "--node-netns", ns->name(), "--master", master, "--cni-conf",
                                      dir.path() + "/" + name + ".conflist", "--write-cni-conf",
                                      "--cni-data-dir", dir.path() + "/" + name + "-ipam",
                                      "--netns-prefix", prefix});
    REQUIRE(agent.ok());
    agents.push_back(std::move(*agent));
  }

  // The test's own requests go out from the hub (each on a thread inside it).
  auto client = ApiClient::Create({.server = master});
  REQUIRE(client.ok());
  ApiClient& api = **client;
  auto get = [&](const std::string& path) { return hub.Run([&] { return api.Get(path); }); };
  auto items = [&](const std::string& path) {
    auto list = get(path);
    return list ? list->value("items", Json::array()) : Json::array();
  };

  // Both nodes register and get a pod CIDR.
  std::map<std::string, std::string> node_cidr;
  REQUIRE(WaitUntil([&] {
    node_cidr.clear();
    for (const Json& node : items("/api/v1/nodes")) {
      const Json cidr = Str(node, "/spec/podCIDR");
      if (cidr.is_string()) node_cidr[node["metadata"]["name"]] = cidr;
    }
    return node_cidr.size() == 2;
  }));
  CHECK(node_cidr["node-1"] != node_cidr["node-2"]);

  const Json deployment = Json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "default"},
    "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
      "template": {"metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "echo", "image": "kr-sandbox-echo",
          "ports": [{"name": "http", "containerPort": 8080},
                    {"name": "dns", "containerPort": 5353, "protocol": "UDP"}]}]}}}})");
  const Json service = Json::parse(R"({
    "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"},
    "spec": {"selector": {"app": "web"},
             "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}})");
  REQUIRE(hub.Run([&] { return api.Post(CollectionPath("Deployment", "default"), deployment); }));
  REQUIRE(hub.Run([&] { return api.Post(CollectionPath("Service", "default"), service); }));

  auto running_pods = [&] {
    std::map<std::string, Json> pods;
    for (const Json& pod : items("/api/v1/namespaces/default/pods?labelSelector=app%3Dweb")) {
      pods[pod["metadata"]["name"]] = pod;
    }
    return pods;
  };
  auto all_ready = [&](const std::map<std::string, Json>& pods, size_t count) {
    if (pods.size() != count) return false;
    for (const auto& [name, pod] : pods) {
      if (Str(pod, "/status/phase") != "Running" || !Str(pod, "/status/podIP").is_string())
        return false;
    }
    return true;
  };
  auto ready_endpoints = [&] {
    std::set<std::string> ips;
    for (const Json& slice : items("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices"
                                   "?labelSelector=kubernetes.io%2Fservice-name%3Dweb")) {
      for (const Json& port : slice.value("ports", Json::array())) {
        if (port.value("port", 0) != 8080) return std::set<std::string>{"wrong port"};
      }
      for (const Json& endpoint : slice.value("endpoints", Json::array())) {
        if (Str(endpoint, "/conditions/ready") == true) ips.insert(endpoint["addresses"][0]);
      }
    }
    return ips;
  };

  std::map<std::string, Json> pods;
  REQUIRE(WaitUntil([&] { return all_ready(pods = running_pods(), 3); }));
  std::set<std::string> pod_ips;
  std::set<std::string> nodes_used;
  for (const auto& [name, pod] : pods) {
    INFO("pod " << name);
    const std::string node = Str(pod, "/spec/nodeName");
    const std::string ip = Str(pod, "/status/podIP");
    nodes_used.insert(node);
    pod_ips.insert(ip);
    CHECK(SameSlash24(ip, node_cidr[node]));
    CHECK(fs::exists("/run/netns/" + prefix + "default_" + name));
    const test::NetNs& node_ns = node == "node-1" ? node1 : node2;
    auto http = node_ns.Exec({"curl", "-sS", "--max-time", "10", "http://" + ip + ":8080/"});
    CHECK(http.output == name + "\n");
    CHECK(UdpAsk(node_ns, ip, 5353) == name + "\n");
    // kubectl-exec-like access: the pod's own view of its address.
    auto exec = test::RunCommand({bin + "/kr-sandbox", "exec", "--netns-prefix", prefix, name, "--",
                                  "ip", "-4", "-o", "addr", "show", "eth0"});
    CHECK(exec.ok());
    CHECK(exec.output.find(ip + "/24") != std::string::npos);
  }
  CHECK(nodes_used.size() == 2);  // spread over both nodes

  std::set<std::string> endpoints;
  REQUIRE(WaitUntil([&] { return (endpoints = ready_endpoints()) == pod_ips; }));
  CHECK(WaitUntil([&] {
    auto status = get(ObjectPath("Deployment", "default", "web"));
    return status && Str(*status, "/status/readyReplicas") == 3;
  }));

  // A label change takes the pod out of the service's slice.
  const std::string relabelled = pods.begin()->first;
  REQUIRE(hub.Run([&] {
    return api.MergePatch(ObjectPath("Pod", "default", relabelled),
                          {{"metadata", {{"labels", {{"app", "moved"}}}}}});
  }));
  std::set<std::string> without = pod_ips;
  without.erase(Str(pods.begin()->second, "/status/podIP"));
  REQUIRE(WaitUntil([&] { return ready_endpoints() == without; }));
  REQUIRE(hub.Run([&] {
    return api.MergePatch(ObjectPath("Pod", "default", relabelled),
                          {{"metadata", {{"labels", {{"app", "web"}}}}}});
  }));
  REQUIRE(WaitUntil([&] { return ready_endpoints() == pod_ips; }));

  // Scale to 1: two pods go, with their namespaces, and the slice follows.
  REQUIRE(hub.Run([&] {
    return api.MergePatch(ObjectPath("Deployment", "default", "web"),
                          {{"spec", {{"replicas", 1}}}});
  }));
  REQUIRE(WaitUntil([&] { return all_ready(pods = running_pods(), 1); }));
  const std::string survivor = pods.begin()->first;
  REQUIRE(WaitUntil([&] { return sweeper.Left().size() == 1; }));
  CHECK(sweeper.Left()[0] == prefix + "default_" + survivor);
  REQUIRE(WaitUntil([&] {
    return ready_endpoints() == std::set<std::string>{Str(pods.begin()->second, "/status/podIP")};
  }));

  // Deleting the pod: its namespace goes, the deployment makes a new one.
  REQUIRE(hub.Run([&] { return api.Delete(ObjectPath("Pod", "default", survivor)); }).ok());
  REQUIRE(WaitUntil([&] {
    pods = running_pods();
    return all_ready(pods, 1) && !pods.contains(survivor);
  }));
  REQUIRE(WaitUntil([&] {
    auto left = sweeper.Left();
    return left.size() == 1 && left[0] == prefix + "default_" + pods.begin()->first;
  }));

  // Deleting the deployment: no pods, no namespaces, no endpoints.
  REQUIRE(hub.Run([&] { return api.Delete(ObjectPath("Deployment", "default", "web")); }).ok());
  REQUIRE(WaitUntil([&] { return running_pods().empty() && sweeper.Left().empty(); }));
  REQUIRE(WaitUntil([&] { return ready_endpoints().empty(); }));

  // A pod made again and the agents stopped: they tear down what they made.
  REQUIRE(hub.Run([&] { return api.MergePatch(ObjectPath("Deployment", "default", "web"), {}); })
              .error()
              .code == ENOENT);
  REQUIRE(hub.Run([&] { return api.Post(CollectionPath("Deployment", "default"), deployment); }));
  REQUIRE(WaitUntil([&] { return all_ready(pods = running_pods(), 3); }));
  for (auto& agent : agents) agent.Stop(30s);
  CHECK(sweeper.Left().empty());
}

}  // namespace
}  // namespace kr::sandbox
