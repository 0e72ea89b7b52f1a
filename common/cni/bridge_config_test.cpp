#include "common/cni/bridge_config.h"

#include <catch2/catch.hpp>

namespace kr::cni {
namespace {

BridgeConfigSettings Settings(std::vector<std::string> cidrs) {
  BridgeConfigSettings settings;
  settings.pod_cidrs = std::move(cidrs);
  return settings;
}

Json Merge(const std::optional<Json>& existing, const BridgeConfigSettings& settings) {
  auto merged = MergeBridgeConfig(existing, settings);
  INFO((merged.ok() ? std::string() : merged.error().message));
  REQUIRE(merged.ok());
  return *merged;
}

TEST_CASE("fresh config: kube-router's conflist with bridge and portmap") {
  const Json config = Merge(std::nullopt, Settings({"10.242.3.0/24"}));
  CHECK(config["cniVersion"] == "0.3.0");
  CHECK(config["name"] == "mynet");
  REQUIRE(config["plugins"].size() == 2);
  const Json& bridge = config["plugins"][0];
  CHECK(bridge["type"] == "bridge");
  CHECK(bridge["bridge"] == "kube-bridge");
  CHECK(bridge["isDefaultGateway"] == true);
  CHECK(bridge["hairpinMode"] == true);
  CHECK_FALSE(bridge.contains("mtu"));
  CHECK(bridge["ipam"]["type"] == "host-local");
  CHECK(bridge["ipam"]["ranges"] == Json::parse(R"([[{"subnet": "10.242.3.0/24"}]])"));
  CHECK(config["plugins"][1]["type"] == "portmap");
  CHECK(config["plugins"][1]["capabilities"]["portMappings"] == true);
}

TEST_CASE("dual stack: one range set per family; MTU and data dir when set") {
  BridgeConfigSettings settings = Settings({"10.242.3.0/24", "2001:db8:42:3::/64"});
  settings.mtu = 1480;
  settings.ipam_data_dir = "/run/test-ipam";
  const Json config = Merge(std::nullopt, settings);
  const Json& bridge = config["plugins"][0];
  CHECK(bridge["mtu"] == 1480);
  CHECK(bridge["ipam"]["dataDir"] == "/run/test-ipam");
  CHECK(bridge["ipam"]["ranges"] ==
        Json::parse(R"([[{"subnet": "10.242.3.0/24"}], [{"subnet": "2001:db8:42:3::/64"}]])"));
}

TEST_CASE("merge keeps foreign plugins, foreign keys and their order") {
  const Json existing = Json::parse(R"({
    "cniVersion": "0.4.0",
    "name": "clusternet",
    "comment": "managed by hand too",
    "plugins": [
      {"type": "bridge", "name": "kubernetes", "bridge": "old-bridge", "promiscMode": true,
       "ipam": {"type": "host-local", "routes": [{"dst": "0.0.0.0/0"}],
                "ranges": [[{"subnet": "10.242.3.0/24", "rangeStart": "10.242.3.10"}],
                           [{"subnet": "10.99.0.0/24"}]]}},
      {"type": "portmap", "capabilities": {"portMappings": true}, "externalSetMarkChain": "X"},
      {"type": "bandwidth", "capabilities": {"bandwidth": true}}
    ]})");
  BridgeConfigSettings settings = Settings({"10.242.3.0/24"});
  settings.mtu = 1400;
  const Json config = Merge(existing, settings);

  CHECK(config["cniVersion"] == "0.4.0");
  CHECK(config["name"] == "clusternet");
  CHECK(config["comment"] == "managed by hand too");
  REQUIRE(config["plugins"].size() == 3);
  CHECK(config["plugins"][1] == existing["plugins"][1]);
  CHECK(config["plugins"][2] == existing["plugins"][2]);
  const Json& bridge = config["plugins"][0];
  CHECK(bridge["bridge"] == "kube-bridge");
  CHECK(bridge["promiscMode"] == true);
  CHECK(bridge["mtu"] == 1400);
  CHECK(bridge["ipam"]["routes"] == existing["plugins"][0]["ipam"]["routes"]);
  // The stale 10.99.0.0/24 range is gone; the kept range keeps its rangeStart.
  CHECK(bridge["ipam"]["ranges"] ==
        Json::parse(R"([[{"subnet": "10.242.3.0/24", "rangeStart": "10.242.3.10"}]])"));
  // Top-level key order is the file's.
  std::vector<std::string> keys;
  for (const auto& item : config.items()) keys.push_back(item.key());
  CHECK(keys == std::vector<std::string>{"cniVersion", "name", "comment", "plugins"});
}

TEST_CASE("merge folds the legacy ipam.subnet into ranges") {
  const Json existing = Json::parse(R"({"cniVersion": "0.3.0", "name": "mynet", "plugins": [
      {"type": "bridge", "ipam": {"type": "host-local", "subnet": "10.1.0.0/24"}}]})");
  const Json config = Merge(existing, Settings({"10.242.3.0/24"}));
  const Json& ipam = config["plugins"][0]["ipam"];
  CHECK_FALSE(ipam.contains("subnet"));
  CHECK(ipam["ranges"] == Json::parse(R"([[{"subnet": "10.242.3.0/24"}]])"));
}

TEST_CASE("a conflist without a bridge plugin gets one first; a single bridge conf stays one") {
  const Json portmap_only = Json::parse(R"({"cniVersion": "0.3.1", "name": "n", "plugins": [
      {"type": "portmap", "capabilities": {"portMappings": true}}]})");
  const Json config = Merge(portmap_only, Settings({"10.242.3.0/24"}));
  REQUIRE(config["plugins"].size() == 2);
  CHECK(config["plugins"][0]["type"] == "bridge");
  CHECK(config["plugins"][1] == portmap_only["plugins"][0]);

  const Json single =
      Json::parse(R"({"cniVersion": "0.3.1", "name": "n", "type": "bridge", "ipMasq": false})");
  const Json merged = Merge(single, Settings({"10.242.3.0/24"}));
  CHECK_FALSE(merged.contains("plugins"));
  CHECK(merged["ipMasq"] == false);
  CHECK(merged["ipam"]["ranges"][0][0]["subnet"] == "10.242.3.0/24");
}

TEST_CASE("merging is idempotent") {
  const Json once = Merge(std::nullopt, Settings({"10.242.3.0/24", "2001:db8:42:3::/64"}));
  const Json twice = Merge(once, Settings({"10.242.3.0/24", "2001:db8:42:3::/64"}));
  CHECK(once.dump() == twice.dump());
}

TEST_CASE("bad settings and foreign file shapes are EINVAL with a reason") {
  const std::vector<BridgeConfigSettings> bad_settings = {
      Settings({}), Settings({"10.242.3.0/24", "10.242.4.0/24"}), Settings({"10.242.3.1/24"}),
      Settings({"not-a-cidr"})};
  for (const auto& settings : bad_settings) {
    auto merged = MergeBridgeConfig(std::nullopt, settings);
    REQUIRE_FALSE(merged.ok());
    CHECK(merged.error().code == EINVAL);
  }
  BridgeConfigSettings tiny = Settings({"10.242.3.0/24"});
  tiny.mtu = 20;
  CHECK_FALSE(MergeBridgeConfig(std::nullopt, tiny).ok());

  const std::vector<std::pair<const char*, const char*>> bad_files = {
      {R"([1, 2])", "not a JSON object"},
      {R"({"plugins": {"type": "bridge"}})", "not an array"},
      {R"({"type": "macvlan"})", "not bridge"},
      {R"({"plugins": [{"type": "bridge", "ipam": {"type": "dhcp"}}]})", "not host-local"},
      {R"({"plugins": [{"type": "bridge", "ipam": "host-local"}]})", "not an object"},
      {R"({"name": "n"})", "neither"},
  };
  for (const auto& [text, reason] : bad_files) {
    INFO(text);
    auto merged = MergeBridgeConfig(Json::parse(text), Settings({"10.242.3.0/24"}));
    REQUIRE_FALSE(merged.ok());
    CHECK(merged.error().code == EINVAL);
    CHECK(merged.error().message.find(reason) != std::string::npos);
  }
}

}  // namespace
}  // namespace kr::cni
