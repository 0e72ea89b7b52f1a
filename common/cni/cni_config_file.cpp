#include "common/cni/cni_config_file.h"

#include "common/cni/atomic_file.h"

namespace kr::cni {

Expected<bool> UpdateBridgeConfigFile(const std::string& path,
                                      const BridgeConfigSettings& settings) {
  auto current = ReadWholeFile(path);
  if (!current) return current.error();
  std::optional<Json> existing;
  if (*current) {
    try {
      existing = Json::parse(**current);
    } catch (const Json::parse_error& e) {
      return Error{EINVAL,
                   "CNI config " + path + " is not valid JSON (" + e.what() + "); left unchanged"};
    }
  }
  auto merged = MergeBridgeConfig(existing, settings);
  if (!merged) return Error{merged.error().code, path + ": " + merged.error().message};
  const std::string contents = merged->dump(2) + "\n";
  if (*current && **current == contents) return false;
  if (Status status = WriteFileAtomically(path, contents); !status) return status.error();
  return true;
}

}  // namespace kr::cni
