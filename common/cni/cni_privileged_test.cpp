// The config UpdateBridgeConfigFile writes, run by the real CNI plugins (Debian's
// containernetworking-plugins in /usr/lib/cni) as a container runtime would: inside a "node"
// network namespace, for two pod namespaces (privileged tier).
//
// The runtime part is test/support/cni_bridge.h. The portmap entry of the list is not run (it
// needs a runtime's port mappings to do anything).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/cni/cni_config_file.h"
#include "common/cni/node_mtu.h"
#include "test/support/cni_bridge.h"
#include "test/support/netns.h"
#include "test/support/tcp_probe.h"
#include "test/support/temp_dir.h"

namespace kr::cni {
namespace {

namespace fs = std::filesystem;
using test::NetNs;
using test::ProbeTcp;
using test::TcpProbe;
using test::TempDir;
using Json = nlohmann::json;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("the real bridge plugin gives pods addresses from the written config") {
  TempDir dir;
  const fs::path conflist = fs::path(dir.path()) / "10-kuberouter.conflist";
  const fs::path ipam_dir = fs::path(dir.path()) / "ipam";
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
  const fs::path plugin_config = fs::path(dir.path()) / "bridge-stdin.json";
  std::ofstream(plugin_config) << test::BridgePluginConfig(conflist.string());

  NetNs node("node");
  {
    test::BridgePod a(node, "pod-a", plugin_config.string());
    test::BridgePod b(node, "pod-b", plugin_config.string());
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

    CHECK(ProbeTcp(a.ns(), b.ns(), b4) == TcpProbe::kConnected);
    CHECK(ProbeTcp(b.ns(), a.ns(), a4) == TcpProbe::kConnected);
    CHECK(ProbeTcp(a.ns(), b.ns(), b.Address("6")) == TcpProbe::kConnected);

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
