// The BGP control protocol: what kr-bgp asks kr-routed over its control socket.
//
// Transport: a unix stream socket (default /var/run/kr-node/routed-bgp.sock, mode 0600, so
// only root and the daemon's user can ask). The client writes one request, a JSON object on
// one line ending in '\n'; the server answers with one JSON object on one line ending in
// '\n'. A client may send several requests on one connection, one at a time.
//
// Requests ("family" is "ipv4", "ipv6" or "all", the default):
//   {"command": "neighbors"}
//   {"command": "neighbor", "address": "192.0.2.2"}
//   {"command": "rib", "family": "ipv4"}                          the Loc-RIB
//   {"command": "adj-in",  "address": "192.0.2.2", "family": "all"}   what it sent us
//   {"command": "adj-out", "address": "192.0.2.2", "family": "all"}   what we send it
//
// Responses carry "version": 1 and "ok". On success:
//   neighbors        {"ok": true, "version": 1, "neighbors": [NEIGHBOR, ...]}
//   neighbor         {"ok": true, "version": 1, "neighbor": NEIGHBOR}
//   rib, adj-in/out  {"ok": true, "version": 1, "routes": [ROUTE, ...]}   (sorted by prefix)
// On failure (bad JSON, unknown command, unknown neighbour, a source that cannot answer):
//   {"ok": false, "version": 1, "error": "neighbor 192.0.2.9 is not configured"}
//
// NEIGHBOR: {"address", "peer_as", "local_as", "state" ("Idle", "Connect", "Active",
//   "OpenSent", "OpenConfirm", "Established"), "uptime_seconds" (null unless Established),
//   "received_routes", "accepted_routes", "advertised_routes", "messages_received",
//   "messages_sent", "hold_time", "remote_router_id", "capabilities" (list of names),
//   "last_error"}
// ROUTE: {"prefix", "next_hop", "as_path" ("65002 65003", "" when empty), "origin" ("i", "e",
//   "?"), "local_pref", "med", "communities" (list: "65000:100", "no-export"), "age_seconds"
//   (since it arrived or last changed; null in adj-out), "best" (rib: always; adj-in: the
//   Loc-RIB chose it; adj-out: false), "from" (neighbour address or "local")}
// A field the daemon cannot tell is null. Clients must ignore fields they do not know: new
// ones may be added without a version change; a change of meaning bumps "version".
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/base/expected.h"
#include "services/routed/bgp/control/control_types.h"

namespace kr::bgp::control {

inline constexpr int kProtocolVersion = 1;
// Longest request line the server reads; requests are tiny, this only bounds a bad client.
inline constexpr size_t kMaxRequestBytes = 4096;

struct Request {
  std::string command;  // "neighbors", "neighbor", "rib", "adj-in", "adj-out"
  std::string address;  // neighbor, adj-in, adj-out
  Family family = Family::kAll;
};

nlohmann::json ToJson(const Request& request);
Expected<Request> ParseRequest(std::string_view line);

// Answers one request line (without its '\n') from `source`: the response line without '\n'.
// Never throws; every problem becomes an {"ok": false} response.
std::string HandleRequestLine(ControlSource& source, std::string_view line);
// An {"ok": false} response line (without '\n'), for problems found before parsing.
std::string ErrorResponseLine(const std::string& message);

}  // namespace kr::bgp::control
