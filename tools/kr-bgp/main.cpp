// kr-bgp: routed's BGP speaker as `gobgp` shows one, over routed's control socket
// (services/routed/bgp/control/control_protocol.h).
//   kr-bgp [--socket PATH] [-j] neighbor                      neighbours: state, uptime, routes
//   kr-bgp [--socket PATH] [-j] neighbor ADDR                 one neighbour in detail
//   kr-bgp [--socket PATH] [-j] neighbor ADDR adj-in|adj-out  what it sent us / we send it
//   kr-bgp [--socket PATH] [-j] global rib [-a ipv4|ipv6]     the Loc-RIB
// Exit status: 0 done, 1 the daemon could not answer (or answered an error), 2 bad usage.
#include <iostream>
#include <string>
#include <vector>

#include "common/flags/flag_set.h"
#include "services/routed/bgp/control/control_client.h"
#include "services/routed/bgp/control/control_json.h"
#include "services/routed/bgp/control/control_server.h"
#include "tools/kr-bgp/format.h"

namespace {

using kr::bgp::control::Request;
using nlohmann::json;

[[noreturn]] void Usage(const std::string& message) {
  std::cerr << "kr-bgp: " << message << "\nRun 'kr-bgp --help' for usage.\n";
  std::exit(2);
}

int Failed(const std::string& message) {
  std::cerr << "kr-bgp: " << message << "\n";
  return 1;
}

// The request the positional arguments ask for, and the response field holding the answer.
std::pair<Request, std::string> ParseCommand(const std::vector<std::string>& args,
                                             kr::bgp::control::Family family) {
  if (args.empty()) Usage("no command (neighbor, global rib)");
  if (args[0] == "neighbor") {
    if (args.size() == 1) return {Request{.command = "neighbors"}, "neighbors"};
    if (args.size() == 2) return {Request{.command = "neighbor", .address = args[1]}, "neighbor"};
    if (args.size() == 3 && (args[2] == "adj-in" || args[2] == "adj-out")) {
      return {Request{.command = args[2], .address = args[1], .family = family}, "routes"};
    }
    Usage("neighbor takes [ADDRESS [adj-in|adj-out]]");
  }
  if (args[0] == "global" && args.size() == 2 && args[1] == "rib") {
    return {Request{.command = "rib", .family = family}, "routes"};
  }
  Usage("unknown command \"" + args[0] + "\" (neighbor, global rib)");
}

template <typename View, typename Parse>
kr::Expected<std::vector<View>> ParseList(const json& list, Parse parse) {
  if (!list.is_array()) return kr::Error{EPROTO, "the answer holds no list"};
  std::vector<View> out;
  for (const json& item : list) {
    auto view = parse(item);
    if (!view) return view.error();
    out.push_back(std::move(*view));
  }
  return out;
}

int Print(const json& payload, const std::string& field) {
  using namespace kr::bgp::control;
  if (field == "neighbor") {
    auto n = NeighborFromJson(payload);
    if (!n) return Failed(n.error().message);
    std::cout << kr::bgpctl::FormatNeighborDetail(*n);
  } else if (field == "neighbors") {
    auto list = ParseList<NeighborView>(payload, NeighborFromJson);
    if (!list) return Failed(list.error().message);
    std::cout << kr::bgpctl::FormatNeighborTable(*list);
  } else {
    auto list = ParseList<RouteView>(payload, RouteFromJson);
    if (!list) return Failed(list.error().message);
    std::cout << kr::bgpctl::FormatRibTable(*list);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string socket_path = kr::bgp::control::kDefaultSocketPath;
  bool as_json = false;
  std::string family_name = "all";
  std::chrono::nanoseconds timeout = std::chrono::seconds(30);

  kr::flags::FlagSet fs("kr-bgp",
                        "Shows routed's BGP neighbours and RIB, as `gobgp neighbor` and `gobgp "
                        "global rib` do. Commands: neighbor [ADDRESS [adj-in|adj-out]], global "
                        "rib.");
  fs.String("socket", &socket_path, "routed's BGP control socket `path`");
  fs.Bool("json", &as_json, "print the answer as JSON").Shorthand('j');
  fs.String("address-family", &family_name, "routes of this `family`: ipv4, ipv6 or all")
      .Shorthand('a');
  fs.Duration("timeout", &timeout, "give up waiting for the daemon after this long");
  fs.AfterParse([&]() -> kr::Status {
    if (!kr::bgp::control::ParseFamily(family_name)) {
      return kr::Error{EINVAL, "--address-family must be ipv4, ipv6 or all"};
    }
    return {};
  });
  const std::vector<std::string> args = fs.ParseOrExit(argc, argv);
  const auto [request, field] = ParseCommand(args, *kr::bgp::control::ParseFamily(family_name));

  auto answer = kr::bgp::control::Ask(
      socket_path, request, std::chrono::duration_cast<std::chrono::milliseconds>(timeout));
  if (!answer) return Failed(answer.error().message);
  const auto payload = answer->find(field);
  if (payload == answer->end()) return Failed("the answer has no \"" + field + "\"");
  if (as_json) {
    std::cout << payload->dump(2, ' ', false, json::error_handler_t::replace) << "\n";
    return 0;
  }
  return Print(*payload, field);
}
