// The discovery documents kubectl and client libraries read before anything else:
// /version, /api, /api/v1, /apis, /apis/<group>, /apis/<group>/<version>.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace kr::apiserver {

nlohmann::json VersionInfo();
// `server_address` is "host:port" as clients reach this server.
nlohmann::json CoreApiVersions(const std::string& server_address);
nlohmann::json ApiGroupList();
// nullopt when the group is not served.
std::optional<nlohmann::json> ApiGroup(const std::string& group);
// Core group when `group` is empty.
std::optional<nlohmann::json> ApiResourceList(const std::string& group, const std::string& version);

}  // namespace kr::apiserver
