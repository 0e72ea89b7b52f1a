// The CNI network config routed keeps for its node, as kube-router does: the bridge plugin on
// `kube-bridge` (default gateway, hairpin mode, MTU) with host-local IPAM handing out the
// node's pod CIDR(s), one range set per family so a dual-stack pod gets one address of each.
//
// The file may hold what others put there (a portmap or bandwidth plugin, tuning keys, a
// rangeStart): MergeBridgeConfig changes only the keys listed below and keeps everything
// else, in its order. Keys it owns in the bridge plugin entry:
//   type, bridge, isDefaultGateway, hairpinMode, mtu (when set), ipam.type (host-local when
//   absent), ipam.ranges (exactly the pod CIDRs; other keys of a range with the same subnet
//   are kept), ipam.dataDir (when set); the legacy ipam.subnet is folded into ranges.
// At the top level only a missing cniVersion or name is filled in.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/base/expected.h"

namespace kr::cni {

struct BridgeConfigSettings {
  std::vector<std::string> pod_cidrs;  // the node's spec.podCIDRs: at most one per family
  std::string bridge = "kube-bridge";
  bool is_default_gateway = true;
  bool hairpin_mode = true;
  std::optional<int> mtu;                    // e.g. from --auto-mtu; unset: the file's stays
  std::optional<std::string> ipam_data_dir;  // host-local state dir; unset: the file's stays
  std::string network_name = "mynet";        // only when the file has no name
  std::string cni_version = "0.3.0";         // only when the file has no cniVersion
};

using Json = nlohmann::ordered_json;

// `existing` is the parsed current file, or nullopt when there is none: then the result is a
// fresh conflist with the bridge plugin and a portmap plugin (hostPort support), as
// kube-router's sample config. An existing file is a conflist ("plugins") whose first bridge
// plugin is updated (or a new one put first), or a single bridge conf ("type": "bridge").
// EINVAL, naming the problem, for invalid settings (no pod CIDR, two of one family, a bad
// CIDR, mtu < 68) and for a file of another shape (a non-bridge single conf, ipam of another
// type, "plugins" or "ipam" of the wrong JSON type).
Expected<Json> MergeBridgeConfig(const std::optional<Json>& existing,
                                 const BridgeConfigSettings& settings);

}  // namespace kr::cni
