// Debian's CNI bridge plugin (containernetworking-plugins in /usr/lib/cni) run as a container
// runtime would, for the privileged tests of the CNI config routed writes: the minimum libcni
// does for the bridge entry of a conflist (the plugin's object plus the list's name and
// cniVersion on stdin, CNI_* in the environment), inside a "node" network namespace.
//
//   std::ofstream(config) << BridgePluginConfig(conflist, dir + "/ipam");
//   BridgePod pod(node, "pod-a", config);   // ADD; DEL when it goes
//   pod.Address("4");                        // from the plugin's result
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "test/support/netns.h"

namespace kr::test {

inline constexpr const char* kCniPluginDir = "/usr/lib/cni";

// What a runtime hands the bridge plugin for this conflist. With `ipam_data_dir`, host-local
// keeps its leases there (a test's own directory) instead of /var/lib/cni.
std::string BridgePluginConfig(const std::string& conflist_path,
                               const std::string& ipam_data_dir = "");

// Runs the bridge plugin in `node` for the pod namespace `pod` with `stdin_file` as its
// configuration; returns its stdout (the CNI result on ADD). Throws when the plugin fails.
std::string RunBridgePlugin(const NetNs& node, const NetNs& pod, const std::string& command,
                            const std::string& stdin_file);

// A pod namespace set up by the plugin's ADD and torn down by DEL when it goes, also when the
// test fails in between (a failed DEL there is printed, not thrown).
class BridgePod {
 public:
  BridgePod(const NetNs& node, const std::string& tag, std::string config_file);
  ~BridgePod();
  BridgePod(const BridgePod&) = delete;
  BridgePod& operator=(const BridgePod&) = delete;

  const NetNs& ns() const { return ns_; }
  // The first address of `version` ("4" or "6") in the ADD result, without its length.
  std::string Address(const std::string& version = "4") const;
  // DEL now (throws on failure); the destructor then does nothing.
  void Delete();

 private:
  const NetNs& node_;
  NetNs ns_;
  std::string config_file_;
  nlohmann::json result_;
  bool deleted_ = false;
};

}  // namespace kr::test
