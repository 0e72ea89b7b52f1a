// JSON forms of the control socket's values (control_types.h), used by the server to answer
// and by kr-bgp to read the answer. Field names are the ones control_protocol.h documents;
// an absent optional is JSON null.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "common/base/expected.h"
#include "services/routed/bgp/control/control_types.h"

namespace kr::bgp::control {

nlohmann::json ToJson(const NeighborView& neighbor);
nlohmann::json ToJson(const RouteView& route);

// Errors name the missing or mistyped field (EINVAL).
Expected<NeighborView> NeighborFromJson(const nlohmann::json& json);
Expected<RouteView> RouteFromJson(const nlohmann::json& json);

// "ipv4", "ipv6", "all"; nullopt for anything else.
std::optional<Family> ParseFamily(std::string_view text);
std::string_view FamilyName(Family family);

}  // namespace kr::bgp::control
