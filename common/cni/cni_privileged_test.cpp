// The config UpdateBridgeConfigFile writes, run by the real CNI plugins (Debian's
// containernetworking-plugins in /usr/lib/cni) as a container runtime would: inside a "node"
// network namespace, for two pod namespaces (privileged tier).
//
// The runtime part is the minimum libcni does for the bridge entry of a conflist: the plugin's
// object plus the list's name and cniVersion on stdin, CNI_* in the environment. The portmap
// entry of the list is not run (it needs a runtime's port mappings to do anything).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/cni/cni_config_file.h"
#include "common/cni/node_mtu.h"
#include "test/support/netns.h"

namespace kr::cni {
namespace {

namespace fs = std::filesystem;
using test::NetNs;
using test::UniqueFd;

constexpr const char* kPluginDir = "/usr/lib/cni";

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "kr-cni-priv-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// What a runtime hands the bridge plugin for this conflist.
std::string BridgePluginConfig(const std::string& conflist_path) {
  std::ifstream in(conflist_path);
  const Json list = Json::parse(in);
  for (const auto& plugin : list["plugins"]) {
    if (plugin["type"] == "bridge") {
      Json config = plugin;
      config["name"] = list["name"];
      config["cniVersion"] = list["cniVersion"];
      return config.dump();
    }
  }
  throw std::runtime_error("no bridge plugin in " + conflist_path);
}

// Runs the bridge plugin in `node` for `pod`; returns its stdout (the CNI result on ADD).
std::string RunBridge(const NetNs& node, const NetNs& pod, const std::string& command,
                      const fs::path& stdin_file) {
  return node.ExecOrThrow({"env", "CNI_COMMAND=" + command, "CNI_CONTAINERID=" + pod.name(),
                           "CNI_NETNS=/run/netns/" + pod.name(), "CNI_IFNAME=eth0",
                           std::string("CNI_PATH=") + kPluginDir, "sh", "-c",
                           "exec \"$0\" < \"$1\"", std::string(kPluginDir) + "/bridge",
                           stdin_file.string()});
}

// A pod set up by ADD and torn down by DEL, also when the test fails in between.
class Pod {
 public:
  Pod(const NetNs& node, const char* tag, fs::path config)
      : node_(node), ns_(tag), config_(std::move(config)) {
    result_ = Json::parse(RunBridge(node_, ns_, "ADD", config_));
  }
  ~Pod() {
    if (deleted_) return;
    try {
      RunBridge(node_, ns_, "DEL", config_);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "CNI DEL failed: %s\n", e.what());
    }
  }
  Pod(const Pod&) = delete;
  Pod& operator=(const Pod&) = delete;

  const NetNs& ns() const { return ns_; }
  // The first address of the result of `family`'s version ("4" or "6"), without the length.
  std::string Address(const std::string& version) const {
    for (const auto& ip : result_["ips"]) {
      if (ip["version"] == version) {
        const std::string cidr = ip["address"];
        return cidr.substr(0, cidr.find('/'));
      }
    }
    throw std::runtime_error("no IPv" + version + " address in " + result_.dump());
  }
  void Delete() {
    RunBridge(node_, ns_, "DEL", config_);
    deleted_ = true;
  }

 private:
  const NetNs& node_;
  NetNs ns_;
  fs::path config_;
  Json result_;
  bool deleted_ = false;
};

int ConnectTcp(const NetNs& from, const NetNs& to, const std::string& address) {
  const bool v6 = address.find(':') != std::string::npos;
  sockaddr_storage storage{};
  socklen_t length = 0;
  if (v6) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&storage);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(7070);
    inet_pton(AF_INET6, address.c_str(), &sin6->sin6_addr);
    length = sizeof *sin6;
  } else {
    auto* sin = reinterpret_cast<sockaddr_in*>(&storage);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(7070);
    inet_pton(AF_INET, address.c_str(), &sin->sin_addr);
    length = sizeof *sin;
  }
  UniqueFd listener = to.Run([&] {
    UniqueFd fd(socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&storage), length) != 0 ||
        listen(fd.get(), 4) != 0) {
      throw std::runtime_error(std::string("listen: ") + std::strerror(errno));
    }
    return fd;
  });
  return from.Run([&] {
    UniqueFd fd(socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    timeval timeout{5, 0};  // a bound for a broken setup, not a synchronization
    setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    return connect(fd.get(), reinterpret_cast<sockaddr*>(&storage), length) == 0 ? 0 : errno;
  });
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("the real bridge plugin gives pods addresses from the written config") {
  TempDir dir;
  const fs::path conflist = dir.path() / "10-kuberouter.conflist";
  const fs::path ipam_dir = dir.path() / "ipam";
  {
    // A config someone left before routed started, with a foreign entry that must survive.
    std::ofstream(conflist) << R"({"cniVersion": "0.3.0", "name": "mynet", "plugins": [
        {"type": "bridge", "name": "kubernetes", "bridge": "kube-bridge",
         "ipam": {"type": "host-local"}},
        {"type": "portmap", "capabilities": {"snat": true, "portMappings": true}}]})";
  }
  BridgeConfigSettings settings;
  settings.pod_cidrs = {"198.18.10.0/24", "2001:db8:42:10::/64"};
  settings.mtu = 1400;
  settings.ipam_data_dir = ipam_dir.string();
  auto written = UpdateBridgeConfigFile(conflist.string(), settings);
  REQUIRE(written.ok());
  {
    std::ifstream in(conflist);
    CHECK(Json::parse(in)["plugins"][1]["type"] == "portmap");
  }
  const fs::path plugin_config = dir.path() / "bridge-stdin.json";
  std::ofstream(plugin_config) << BridgePluginConfig(conflist.string());

  NetNs node("node");
  {
    Pod a(node, "pod-a", plugin_config);
    Pod b(node, "pod-b", plugin_config);
    const std::string a4 = a.Address("4");
    const std::string b4 = b.Address("4");
    INFO("pod a " << a4 << ", pod b " << b4);
    CHECK(a4.rfind("198.18.10.", 0) == 0);
    CHECK(b4.rfind("198.18.10.", 0) == 0);
    CHECK(a4 != b4);
    CHECK(a.Address("6").rfind("2001:db8:42:10:", 0) == 0);

    const std::string routes = a.ns().ExecOrThrow({"ip", "-4", "route", "show"});
    CHECK(Contains(routes, "default via 198.18.10.1 dev eth0"));
    CHECK(Contains(a.ns().ExecOrThrow({"ip", "link", "show", "eth0"}), "mtu 1400"));
    CHECK(
        Contains(node.ExecOrThrow({"ip", "-4", "addr", "show", "kube-bridge"}), "198.18.10.1/24"));
    CHECK(Contains(node.ExecOrThrow({"bridge", "-d", "link", "show"}), "hairpin on"));

    CHECK(ConnectTcp(a.ns(), b.ns(), b4) == 0);
    CHECK(ConnectTcp(b.ns(), a.ns(), a4) == 0);
    CHECK(ConnectTcp(a.ns(), b.ns(), b.Address("6")) == 0);

    const fs::path leases = ipam_dir / "mynet";
    CHECK(fs::exists(leases / a4));
    CHECK(fs::exists(leases / b4));
    a.Delete();
    CHECK_FALSE(fs::exists(leases / a4));
    CHECK(fs::exists(leases / b4));
    CHECK_FALSE(a.ns().Exec({"ip", "link", "show", "eth0"}).ok());
  }
  // Pods gone (DEL ran for b in its destructor): every lease released.
  for (const auto& entry : fs::directory_iterator(ipam_dir / "mynet")) {
    const std::string name = entry.path().filename().string();
    CHECK_FALSE(name.rfind("198.18.", 0) == 0);
    CHECK_FALSE(name.rfind("2001:db8", 0) == 0);
  }
  // The bridge plugin leaves kube-bridge up after the last DEL (as with kube-router); it goes
  // with the node namespace.
  CHECK(node.Exec({"ip", "link", "show", "kube-bridge"}).ok());
}

}  // namespace
}  // namespace kr::cni

namespace kr::cni {
namespace {

TEST_CASE("--auto-mtu reads the MTU of the interface holding the node IP, in its namespace") {
  NetNs node("mtu-node");
  NetNs peer("mtu-peer");
  test::VethPair link(node, "eth0", peer, "eth0");
  node.ExecOrThrow({"ip", "link", "set", "eth0", "mtu", "1400"});
  node.AddAddress("eth0", "192.0.2.10/24");
  node.AddAddress("eth0", "2001:db8::10/64");
  CHECK(node.Run([] { return *InterfaceMtuOf("192.0.2.10"); }) == 1400);
  CHECK(node.Run([] { return *AutoMtu("192.0.2.10", false); }) == 1400);
  CHECK(node.Run([] { return *AutoMtu("192.0.2.10", true); }) == 1380);
  CHECK(node.Run([] { return *AutoMtu("2001:db8::10", true); }) == 1360);
  CHECK(node.Run([] { return InterfaceMtuOf("192.0.2.11").error().code; }) == ENOENT);
}

}  // namespace
}  // namespace kr::cni
