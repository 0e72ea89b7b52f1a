#include "common/cni/bridge_config.h"

#include "common/route/ip_prefix.h"

namespace kr::cni {
namespace {

constexpr int kMinimumIpv4Mtu = 68;  // RFC 791: every IPv4 host must take this

Status CheckSettings(const BridgeConfigSettings& settings) {
  if (settings.pod_cidrs.empty()) return Error{EINVAL, "no pod CIDR for the CNI config"};
  bool seen_v4 = false;
  bool seen_v6 = false;
  for (const auto& cidr : settings.pod_cidrs) {
    auto prefix = route::IpPrefix::Parse(cidr);
    if (!prefix) return Error{EINVAL, "pod CIDR: " + prefix.error().message};
    bool& seen = prefix->family() == AF_INET ? seen_v4 : seen_v6;
    if (seen) return Error{EINVAL, "more than one pod CIDR of one IP family: " + cidr};
    seen = true;
  }
  if (settings.mtu && *settings.mtu < kMinimumIpv4Mtu) {
    return Error{EINVAL, "MTU " + std::to_string(*settings.mtu) + " is below 68"};
  }
  if (settings.bridge.empty()) return Error{EINVAL, "empty bridge name"};
  return Status::Ok();
}

Json FreshConfig(const BridgeConfigSettings& settings) {
  Json config = Json::object();
  config["cniVersion"] = settings.cni_version;
  config["name"] = settings.network_name;
  Json bridge = Json::object();
  bridge["name"] = "kubernetes";
  bridge["type"] = "bridge";
  Json portmap = Json::object();
  portmap["type"] = "portmap";
  portmap["capabilities"] = Json{{"snat", true}, {"portMappings", true}};
  config["plugins"] = Json::array({bridge, portmap});
  return config;
}

// The range sets for the pod CIDRs, keeping the other keys of an existing range per subnet.
Json Ranges(const Json& ipam, const BridgeConfigSettings& settings) {
  Json ranges = Json::array();
  for (const auto& cidr : settings.pod_cidrs) {
    Json range = Json::object();
    if (ipam.contains("ranges") && ipam["ranges"].is_array()) {
      for (const auto& set : ipam["ranges"]) {
        if (!set.is_array()) continue;
        for (const auto& existing : set) {
          if (existing.is_object() && existing.value("subnet", "") == cidr) range = existing;
        }
      }
    }
    range["subnet"] = cidr;
    ranges.push_back(Json::array({range}));
  }
  return ranges;
}

Status UpdateBridgePlugin(Json& plugin, const BridgeConfigSettings& settings) {
  plugin["type"] = "bridge";
  plugin["bridge"] = settings.bridge;
  plugin["isDefaultGateway"] = settings.is_default_gateway;
  plugin["hairpinMode"] = settings.hairpin_mode;
  if (settings.mtu) plugin["mtu"] = *settings.mtu;

  if (!plugin.contains("ipam") || plugin["ipam"].is_null()) plugin["ipam"] = Json::object();
  Json& ipam = plugin["ipam"];
  if (!ipam.is_object()) return Error{EINVAL, "\"ipam\" of the bridge plugin is not an object"};
  if (!ipam.contains("type")) ipam["type"] = "host-local";
  if (ipam["type"] != "host-local") {
    return Error{EINVAL, "ipam type " + ipam["type"].dump() +
                             " of the bridge plugin is not host-local; not merging into it"};
  }
  if (ipam.contains("ranges") && !ipam["ranges"].is_array()) {
    return Error{EINVAL, "\"ipam.ranges\" of the bridge plugin is not an array"};
  }
  Json ranges = Ranges(ipam, settings);
  ipam.erase("subnet");  // host-local takes either subnet or ranges; ranges hold both stacks
  ipam["ranges"] = std::move(ranges);
  if (settings.ipam_data_dir) ipam["dataDir"] = *settings.ipam_data_dir;
  return Status::Ok();
}

}  // namespace

Expected<Json> MergeBridgeConfig(const std::optional<Json>& existing,
                                 const BridgeConfigSettings& settings) {
  if (Status status = CheckSettings(settings); !status) return status.error();
  Json config = existing ? *existing : FreshConfig(settings);
  if (!config.is_object()) return Error{EINVAL, "CNI config is not a JSON object"};
  if (!config.contains("cniVersion")) config["cniVersion"] = settings.cni_version;
  if (!config.contains("name")) config["name"] = settings.network_name;

  if (config.contains("plugins")) {
    Json& plugins = config["plugins"];
    if (!plugins.is_array()) return Error{EINVAL, "\"plugins\" of the CNI config is not an array"};
    for (auto& plugin : plugins) {
      if (plugin.is_object() && plugin.value("type", "") == "bridge") {
        if (Status status = UpdateBridgePlugin(plugin, settings); !status) return status.error();
        return config;
      }
    }
    Json bridge = Json::object();
    bridge["name"] = "kubernetes";
    if (Status status = UpdateBridgePlugin(bridge, settings); !status) return status.error();
    plugins.insert(plugins.begin(), std::move(bridge));
    return config;
  }
  if (config.contains("type")) {
    if (config["type"] != "bridge") {
      return Error{EINVAL, "CNI config is a single " + config["type"].dump() +
                               " plugin, not bridge; not merging into it"};
    }
    if (Status status = UpdateBridgePlugin(config, settings); !status) return status.error();
    return config;
  }
  return Error{EINVAL, "CNI config has neither \"plugins\" nor \"type\""};
}

}  // namespace kr::cni
