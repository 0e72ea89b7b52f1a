// Keeps the node's CNI config file: read, merge (bridge_config.h), write atomically
// (atomic_file.h) only when the contents change.
//
//   kr::cni::BridgeConfigSettings settings;
//   settings.pod_cidrs = node.pod_cidrs;                       // e.g. {"10.242.3.0/24"}
//   if (flags.auto_mtu) settings.mtu = *kr::cni::AutoMtu(node_ip, flags.enable_overlay);
//   auto changed = kr::cni::UpdateBridgeConfigFile("/etc/cni/net.d/10-kuberouter.conflist",
//                                                  settings);
#pragma once

#include <string>

#include "common/cni/bridge_config.h"

namespace kr::cni {

// Returns whether the file was (re)written. A file holding invalid JSON is an EINVAL error
// naming the file and the parse position, and is left as it is: it may be someone's work in
// progress, and overwriting it would lose what they configured.
Expected<bool> UpdateBridgeConfigFile(const std::string& path,
                                      const BridgeConfigSettings& settings);

}  // namespace kr::cni
