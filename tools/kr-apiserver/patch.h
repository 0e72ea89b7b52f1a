// The PATCH bodies kubectl and client libraries send: JSON merge patch (RFC 7386), strategic
// merge patch (the map/scalar semantics plus list merging by the merge keys of the built-in
// types this server stores, and the $patch / $retainKeys / $deleteFromPrimitiveList /
// $setElementOrder directives), and JSON patch (RFC 6902). Pure functions; no I/O.
#pragma once

#include <nlohmann/json.hpp>

#include "common/base/expected.h"

namespace kr::apiserver {

// RFC 7386: objects merge recursively, null deletes, anything else replaces.
nlohmann::json ApplyMergePatch(nlohmann::json target, const nlohmann::json& patch);

// Strategic merge patch. Fails (EINVAL) on a patch that is not an object or misuses a directive.
Expected<nlohmann::json> ApplyStrategicMergePatch(nlohmann::json target,
                                                  const nlohmann::json& patch);

// RFC 6902. Fails (EINVAL) when an operation does not apply (e.g. a failed "test").
Expected<nlohmann::json> ApplyJsonPatch(const nlohmann::json& target, const nlohmann::json& patch);

}  // namespace kr::apiserver
