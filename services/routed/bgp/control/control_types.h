// What the BGP control socket shows: neighbours and routes as plain values (text addresses,
// numbers), and the ControlSource a server reads them from.
//
// These are the shapes of the JSON the socket speaks (control_json.h), so the server and the
// kr-bgp CLI share one definition. Times are already turned into durations (uptime, age) by
// the source at query time, so a client never compares its clock with the daemon's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/base/expected.h"

namespace kr::bgp::control {

struct NeighborView {
  std::string address;  // "192.0.2.2", "2001:db8::2"
  uint32_t peer_as = 0;
  uint32_t local_as = 0;
  std::string state;                        // RFC 4271 name: "Idle" ... "Established"
  std::optional<int64_t> uptime_seconds;    // since Established; nullopt when not up
  uint64_t received_routes = 0;             // in its Adj-RIB-In
  std::optional<uint64_t> accepted_routes;  // of those, best in the Loc-RIB; nullopt: unknown
  uint64_t advertised_routes = 0;
  std::optional<uint64_t> messages_received;
  std::optional<uint64_t> messages_sent;
  std::optional<uint32_t> hold_time;            // negotiated, seconds
  std::optional<std::string> remote_router_id;  // from its OPEN
  std::vector<std::string> capabilities;        // negotiated, e.g. "ipv4-unicast", "4-octet-as"
  std::string last_error;

  bool operator==(const NeighborView&) const = default;
};

struct RouteView {
  std::string prefix;    // "203.0.113.0/24"
  std::string next_hop;  // "0.0.0.0" / "::" for routes we originate
  std::string as_path;   // "65002 65003 {65004}", "" when empty
  std::string origin;    // "i", "e" or "?" (as gobgp prints it)
  std::optional<uint32_t> local_pref;
  std::optional<uint32_t> med;
  std::vector<std::string> communities;  // "65000:100", "no-export"
  std::optional<int64_t> age_seconds;    // nullopt when the source does not know
  bool best = false;
  std::string from;  // neighbour address, or "local" for routes we originate

  bool operator==(const RouteView&) const = default;
};

enum class Family { kAll, kIpv4, kIpv6 };

// Where the control server gets its answers. Implemented over a Speaker
// (speaker_control_source.h) and by fakes in tests.
//
// Threading: the server calls these on its own thread, one call at a time.
class ControlSource {
 public:
  virtual ~ControlSource() = default;
  virtual std::vector<NeighborView> Neighbors() = 0;
  virtual std::vector<RouteView> LocRib(Family family) = 0;
  // The routes a neighbour sent us / we send it. An error (e.g. ENOENT for an unknown
  // neighbour, ENOTSUP when the source cannot tell) becomes the response's error.
  virtual Expected<std::vector<RouteView>> AdjRibIn(const std::string& neighbor, Family family) = 0;
  virtual Expected<std::vector<RouteView>> AdjRibOut(const std::string& neighbor,
                                                     Family family) = 0;
};

}  // namespace kr::bgp::control
