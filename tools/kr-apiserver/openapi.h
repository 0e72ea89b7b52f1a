// A minimal OpenAPI v3 discovery: enough for kubectl to learn that the server validates
// fields itself (the fieldValidation query parameter on each type's PATCH operation), so it
// neither downloads schemas nor validates client-side. No schemas are published.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace kr::apiserver {

// GET /openapi/v3: {"paths": {"api/v1": {"serverRelativeURL": ...}, ...}}
nlohmann::json OpenApiV3Root();

// GET /openapi/v3/<path> for "api/v1" or "apis/<group>/<version>"; nullopt when unknown.
std::optional<nlohmann::json> OpenApiV3GroupVersion(const std::string& path);

}  // namespace kr::apiserver
