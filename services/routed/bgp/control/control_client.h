// The client side of control_protocol.h: one request, one parsed response.
//
//   auto answer = Ask("/var/run/kr-node/routed-bgp.sock", Request{.command = "neighbors"});
//   if (answer) for (auto& n : (*answer)["neighbors"]) ...
//
// Errors (as values): cannot connect (with the path and errno), timeout, a response that is
// not JSON, and {"ok": false} responses (their "error" text, code EREMOTEIO). Thread-safe
// (no shared state).
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "common/base/expected.h"
#include "services/routed/bgp/control/control_protocol.h"

namespace kr::bgp::control {

// The whole exchange must finish within `timeout`.
Expected<nlohmann::json> Ask(const std::string& socket_path, const Request& request,
                             std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace kr::bgp::control
