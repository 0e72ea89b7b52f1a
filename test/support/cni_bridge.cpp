#include "test/support/cni_bridge.h"

#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace kr::test {

using Json = nlohmann::json;

std::string BridgePluginConfig(const std::string& conflist_path, const std::string& ipam_data_dir) {
  std::ifstream in(conflist_path);
  const Json list = Json::parse(in);
  for (const auto& plugin : list.at("plugins")) {
    if (plugin.at("type") == "bridge") {
      Json config = plugin;
      config["name"] = list.at("name");
      config["cniVersion"] = list.at("cniVersion");
      if (!ipam_data_dir.empty()) config["ipam"]["dataDir"] = ipam_data_dir;
      return config.dump();
    }
  }
  throw std::runtime_error("no bridge plugin in " + conflist_path);
}

std::string RunBridgePlugin(const NetNs& node, const NetNs& pod, const std::string& command,
                            const std::string& stdin_file) {
  return node.ExecOrThrow({"env", "CNI_COMMAND=" + command, "CNI_CONTAINERID=" + pod.name(),
                           "CNI_NETNS=/run/netns/" + pod.name(), "CNI_IFNAME=eth0",
                           std::string("CNI_PATH=") + kCniPluginDir, "sh", "-c",
                           "exec \"$0\" < \"$1\"", std::string(kCniPluginDir) + "/bridge",
                           stdin_file});
}

BridgePod::BridgePod(const NetNs& node, const std::string& tag, std::string config_file)
    : node_(node), ns_(tag), config_file_(std::move(config_file)) {
  result_ = Json::parse(RunBridgePlugin(node_, ns_, "ADD", config_file_));
}

BridgePod::~BridgePod() {
  if (deleted_) return;
  try {
    RunBridgePlugin(node_, ns_, "DEL", config_file_);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "CNI DEL failed: %s\n", e.what());
  }
}

std::string BridgePod::Address(const std::string& version) const {
  for (const auto& ip : result_.at("ips")) {
    if (ip.at("version") == version) {
      const std::string cidr = ip.at("address");
      return cidr.substr(0, cidr.find('/'));
    }
  }
  throw std::runtime_error("no IPv" + version + " address in " + result_.dump());
}

void BridgePod::Delete() {
  RunBridgePlugin(node_, ns_, "DEL", config_file_);
  deleted_ = true;
}

}  // namespace kr::test
