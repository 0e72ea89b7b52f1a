// Runs a CNI network configuration (a .conflist, or a single .conf) as a container runtime
// does, per the CNI spec: each plugin binary (found by "type" in the plugin directories) gets
// CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_PATH (and CNI_ARGS) in its
// environment and its own config on stdin, with the list's name and cniVersion injected and,
// for ADD, the previous plugin's result as prevResult. DEL runs the plugins in reverse order,
// with the ADD result as prevResult from spec 0.4.0 on.
//
// Threading: stateless apart from its settings; callable from any thread.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/base/expected.h"

namespace kr::sandbox {

struct CniRuntimeConf {
  std::string container_id;
  std::string netns_path;  // /run/netns/<name>
  std::string ifname = "eth0";
  std::string args;  // CNI_ARGS, e.g. "K8S_POD_NAMESPACE=demo;K8S_POD_NAME=web-1"
};

class CniInvoker {
 public:
  // `ipam_data_dir`, when set, replaces ipam.dataDir of host-local IPAM in every plugin, so
  // the nodes of one host keep separate address state.
  CniInvoker(std::vector<std::string> plugin_dirs, std::string ipam_data_dir);

  // The final result (the last plugin's), e.g. {"ips": [{"address": "10.244.1.2/24", ...}]}.
  Expected<nlohmann::json> Add(const nlohmann::json& network, const CniRuntimeConf& runtime) const;
  // `prev_result` is what Add returned (may be null when unknown).
  Status Del(const nlohmann::json& network, const CniRuntimeConf& runtime,
             const nlohmann::json& prev_result) const;

  // The addresses ("10.244.1.2", without prefix length) of a result.
  static std::vector<std::string> ResultAddresses(const nlohmann::json& result);

 private:
  // The plugin configs of a network, each with name and cniVersion injected.
  Expected<std::vector<nlohmann::json>> Plugins(const nlohmann::json& network) const;
  Expected<nlohmann::json> Invoke(const std::string& command, const nlohmann::json& plugin,
                                  const CniRuntimeConf& runtime) const;

  std::vector<std::string> plugin_dirs_;
  std::string ipam_data_dir_;
};

}  // namespace kr::sandbox
