#include "services/routed/bgp/control/control_protocol.h"

#include <algorithm>
#include <cerrno>

#include "services/routed/bgp/control/control_json.h"

namespace kr::bgp::control {
namespace {

using nlohmann::json;

bool NeedsAddress(const std::string& command) {
  return command == "neighbor" || command == "adj-in" || command == "adj-out";
}

json Failure(const std::string& message) {
  return json{{"ok", false}, {"version", kProtocolVersion}, {"error", message}};
}

json Success() {
  return json{{"ok", true}, {"version", kProtocolVersion}};
}

json Routes(std::vector<RouteView> routes) {
  std::stable_sort(routes.begin(), routes.end(),
                   [](const RouteView& a, const RouteView& b) { return a.prefix < b.prefix; });
  json out = Success();
  json list = json::array();
  for (const RouteView& r : routes) list.push_back(ToJson(r));
  out["routes"] = std::move(list);
  return out;
}

json Answer(ControlSource& source, const Request& request) {
  if (request.command == "neighbors") {
    json list = json::array();
    for (const NeighborView& n : source.Neighbors()) list.push_back(ToJson(n));
    json out = Success();
    out["neighbors"] = std::move(list);
    return out;
  }
  if (request.command == "neighbor") {
    for (const NeighborView& n : source.Neighbors()) {
      if (n.address == request.address) {
        json out = Success();
        out["neighbor"] = ToJson(n);
        return out;
      }
    }
    return Failure("neighbor " + request.address + " is not configured");
  }
  if (request.command == "rib") return Routes(source.LocRib(request.family));
  Expected<std::vector<RouteView>> routes = request.command == "adj-in"
                                                ? source.AdjRibIn(request.address, request.family)
                                                : source.AdjRibOut(request.address, request.family);
  if (!routes) return Failure(routes.error().message);
  return Routes(std::move(*routes));
}

}  // namespace

json ToJson(const Request& request) {
  json out{{"command", request.command}};
  if (NeedsAddress(request.command)) out["address"] = request.address;
  if (request.command == "rib" || request.command == "adj-in" || request.command == "adj-out") {
    out["family"] = std::string(FamilyName(request.family));
  }
  return out;
}

Expected<Request> ParseRequest(std::string_view line) {
  json parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return Error{EINVAL, "request is not a JSON object"};
  }
  Request request;
  auto command = parsed.find("command");
  if (command == parsed.end() || !command->is_string()) {
    return Error{EINVAL, "request has no \"command\" string"};
  }
  request.command = command->get<std::string>();
  if (request.command != "neighbors" && request.command != "rib" &&
      !NeedsAddress(request.command)) {
    return Error{EINVAL, "unknown command \"" + request.command + "\""};
  }
  if (NeedsAddress(request.command)) {
    auto address = parsed.find("address");
    if (address == parsed.end() || !address->is_string() || address->get<std::string>().empty()) {
      return Error{EINVAL, "command \"" + request.command + "\" needs an \"address\" string"};
    }
    request.address = address->get<std::string>();
  }
  if (auto family = parsed.find("family"); family != parsed.end() && !family->is_null()) {
    std::optional<Family> f =
        family->is_string() ? ParseFamily(family->get<std::string>()) : std::nullopt;
    if (!f) return Error{EINVAL, "\"family\" must be \"ipv4\", \"ipv6\" or \"all\""};
    request.family = *f;
  }
  return request;
}

std::string HandleRequestLine(ControlSource& source, std::string_view line) {
  Expected<Request> request = ParseRequest(line);
  json response = request ? Answer(source, *request) : Failure(request.error().message);
  // Route attributes come from the network: replace bytes that are not UTF-8 rather than throw.
  return response.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string ErrorResponseLine(const std::string& message) {
  return Failure(message).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace kr::bgp::control
