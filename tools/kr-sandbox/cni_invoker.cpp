#include "tools/kr-sandbox/cni_invoker.h"

#include <unistd.h>

#include "tools/kr-sandbox/process.h"

namespace kr::sandbox {
namespace {

using Json = nlohmann::json;

constexpr std::chrono::seconds kPluginTimeout{60};  // slow under emulation (the vm tier)

// "0.4.0" >= "0.4.0"; versions are compared numerically part by part.
bool VersionAtLeast(const std::string& version, int major, int minor) {
  int have_major = 0, have_minor = 0;
  if (std::sscanf(version.c_str(), "%d.%d", &have_major, &have_minor) < 1) return false;
  return have_major > major || (have_major == major && have_minor >= minor);
}

}  // namespace

CniInvoker::CniInvoker(std::vector<std::string> plugin_dirs, std::string ipam_data_dir)
    : plugin_dirs_(std::move(plugin_dirs)), ipam_data_dir_(std::move(ipam_data_dir)) {}

Expected<std::vector<Json>> CniInvoker::Plugins(const Json& network) const {
  if (!network.is_object()) return Error{EINVAL, "CNI config is not a JSON object"};
  std::vector<Json> plugins;
  if (network.contains("plugins")) {
    if (!network["plugins"].is_array() || network["plugins"].empty())
      return Error{EINVAL, "CNI conflist has no plugins"};
    for (const Json& plugin : network["plugins"]) plugins.push_back(plugin);
  } else {
    plugins.push_back(network);
  }
  for (Json& plugin : plugins) {
    if (!plugin.is_object() || !plugin.contains("type") || !plugin["type"].is_string())
      return Error{EINVAL, "CNI plugin config without a type"};
    plugin["name"] = network.value("name", "sandbox");
    plugin["cniVersion"] = network.value("cniVersion", "0.3.0");
    if (!ipam_data_dir_.empty() && plugin.contains("ipam") && plugin["ipam"].is_object() &&
        plugin["ipam"].value("type", "") == "host-local") {
      plugin["ipam"]["dataDir"] = ipam_data_dir_;
    }
  }
  return plugins;
}

Expected<Json> CniInvoker::Invoke(const std::string& command, const Json& plugin,
                                  const CniRuntimeConf& runtime) const {
  const std::string type = plugin["type"].get<std::string>();
  std::string binary;
  for (const auto& dir : plugin_dirs_) {
    if (access((dir + "/" + type).c_str(), X_OK) == 0) {
      binary = dir + "/" + type;
      break;
    }
  }
  if (binary.empty()) return Error{ENOENT, "CNI plugin \"" + type + "\" not found"};
  std::string path;
  for (const auto& dir : plugin_dirs_) path += (path.empty() ? "" : ":") + dir;
  const std::vector<std::string> env = {
      "CNI_COMMAND=" + command,
      "CNI_CONTAINERID=" + runtime.container_id,
      "CNI_NETNS=" + runtime.netns_path,
      "CNI_IFNAME=" + runtime.ifname,
      "CNI_PATH=" + path,
      "CNI_ARGS=" + runtime.args,
      // Plugins run iptables and ip helpers of their own.
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  };
  auto run = RunProcess({binary}, env, plugin.dump(),
                        std::chrono::duration_cast<std::chrono::milliseconds>(kPluginTimeout));
  if (!run) return run.error();
  const std::string what = "CNI " + command + " " + type;
  if (run->exit_status != 0) {
    std::string reason = run->out + run->err;
    auto error = Json::parse(run->out, nullptr, false);
    if (!error.is_discarded() && error.is_object())
      reason = error.value("msg", reason) + " " + error.value("details", "");
    return Error{EIO, what + ": exit " + std::to_string(run->exit_status) + ": " + reason};
  }
  if (command != "ADD") return Json();
  auto result = Json::parse(run->out, nullptr, false);
  if (result.is_discarded()) return Error{EBADMSG, what + ": result is not JSON: " + run->out};
  return result;
}

Expected<Json> CniInvoker::Add(const Json& network, const CniRuntimeConf& runtime) const {
  auto plugins = Plugins(network);
  if (!plugins) return plugins.error();
  Json result;
  for (Json& plugin : *plugins) {
    if (!result.is_null()) plugin["prevResult"] = result;
    auto added = Invoke("ADD", plugin, runtime);
    if (!added) return added.error();
    result = std::move(*added);
  }
  return result;
}

Status CniInvoker::Del(const Json& network, const CniRuntimeConf& runtime,
                       const Json& prev_result) const {
  auto plugins = Plugins(network);
  if (!plugins) return plugins.error();
  Status first_failure;
  for (auto it = plugins->rbegin(); it != plugins->rend(); ++it) {
    if (!prev_result.is_null() && VersionAtLeast(it->value("cniVersion", ""), 0, 4))
      (*it)["prevResult"] = prev_result;
    auto deleted = Invoke("DEL", *it, runtime);
    // DEL goes on through every plugin, so one failure does not leak the others' state.
    if (!deleted && first_failure.ok()) first_failure = deleted.error();
  }
  return first_failure;
}

std::vector<std::string> CniInvoker::ResultAddresses(const Json& result) {
  std::vector<std::string> out;
  for (const Json& ip : result.value("ips", Json::array())) {
    const std::string address = ip.value("address", "");
    if (!address.empty()) out.push_back(address.substr(0, address.find('/')));
  }
  return out;
}

}  // namespace kr::sandbox
