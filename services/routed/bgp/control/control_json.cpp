#include "services/routed/bgp/control/control_json.h"

#include <cerrno>
#include <type_traits>

namespace kr::bgp::control {
namespace {

using nlohmann::json;

template <typename T>
json OrNull(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

// Reads fields of one object, remembering the first problem so callers check once.
class Reader {
 public:
  explicit Reader(const json& object) : object_(object) {
    if (!object_.is_object()) error_ = "not a JSON object";
  }

  template <typename T>
  void Required(const char* name, T& out) {
    if (!error_.empty()) return;
    auto it = object_.find(name);
    if (it == object_.end()) {
      error_ = std::string("missing field \"") + name + "\"";
      return;
    }
    Read(name, *it, out);
  }
  // Absent and null both leave `out` at nullopt (or empty).
  template <typename T>
  void Optional(const char* name, std::optional<T>& out) {
    if (!error_.empty()) return;
    auto it = object_.find(name);
    if (it == object_.end() || it->is_null()) return;
    T value{};
    Read(name, *it, value);
    if (error_.empty()) out = std::move(value);
  }
  // Absent or null keeps the default already in `out`.
  template <typename T>
  void Default(const char* name, T& out) {
    if (!error_.empty()) return;
    auto it = object_.find(name);
    if (it == object_.end() || it->is_null()) return;
    Read(name, *it, out);
  }

  const std::string& error() const { return error_; }

 private:
  template <typename T>
  void Read(const char* name, const json& value, T& out) {
    try {
      // nlohmann converts between numbers silently (-1 to uint32, 1.5 to 1): refuse that.
      if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        bool fits = value.is_number_integer();
        if (fits && std::is_unsigned_v<T> && !value.is_number_unsigned()) {
          fits = value.get<int64_t>() >= 0;
        }
        if (!fits || value.get<T>() != value) {
          error_ = std::string("field \"") + name + "\" is not a valid integer";
          return;
        }
      }
      out = value.get<T>();
    } catch (const json::exception&) {
      error_ = std::string("field \"") + name + "\" has the wrong type";
    }
  }

  const json& object_;
  std::string error_;
};

}  // namespace

json ToJson(const NeighborView& n) {
  return json{
      {"address", n.address},
      {"peer_as", n.peer_as},
      {"local_as", n.local_as},
      {"state", n.state},
      {"uptime_seconds", OrNull(n.uptime_seconds)},
      {"received_routes", n.received_routes},
      {"accepted_routes", OrNull(n.accepted_routes)},
      {"advertised_routes", n.advertised_routes},
      {"messages_received", OrNull(n.messages_received)},
      {"messages_sent", OrNull(n.messages_sent)},
      {"hold_time", OrNull(n.hold_time)},
      {"remote_router_id", OrNull(n.remote_router_id)},
      {"capabilities", n.capabilities},
      {"last_error", n.last_error},
  };
}

json ToJson(const RouteView& r) {
  return json{
      {"prefix", r.prefix},
      {"next_hop", r.next_hop},
      {"as_path", r.as_path},
      {"origin", r.origin},
      {"local_pref", OrNull(r.local_pref)},
      {"med", OrNull(r.med)},
      {"communities", r.communities},
      {"age_seconds", OrNull(r.age_seconds)},
      {"best", r.best},
      {"from", r.from},
  };
}

Expected<NeighborView> NeighborFromJson(const json& object) {
  NeighborView n;
  Reader r(object);
  r.Required("address", n.address);
  r.Required("peer_as", n.peer_as);
  r.Required("state", n.state);
  r.Default("local_as", n.local_as);
  r.Optional("uptime_seconds", n.uptime_seconds);
  r.Default("received_routes", n.received_routes);
  r.Optional("accepted_routes", n.accepted_routes);
  r.Default("advertised_routes", n.advertised_routes);
  r.Optional("messages_received", n.messages_received);
  r.Optional("messages_sent", n.messages_sent);
  r.Optional("hold_time", n.hold_time);
  r.Optional("remote_router_id", n.remote_router_id);
  r.Default("capabilities", n.capabilities);
  r.Default("last_error", n.last_error);
  if (!r.error().empty()) return Error{EINVAL, "neighbor: " + r.error()};
  return n;
}

Expected<RouteView> RouteFromJson(const json& object) {
  RouteView route;
  Reader r(object);
  r.Required("prefix", route.prefix);
  r.Required("next_hop", route.next_hop);
  r.Default("as_path", route.as_path);
  r.Default("origin", route.origin);
  r.Optional("local_pref", route.local_pref);
  r.Optional("med", route.med);
  r.Default("communities", route.communities);
  r.Optional("age_seconds", route.age_seconds);
  r.Default("best", route.best);
  r.Default("from", route.from);
  if (!r.error().empty()) return Error{EINVAL, "route: " + r.error()};
  return route;
}

std::optional<Family> ParseFamily(std::string_view text) {
  if (text == "ipv4") return Family::kIpv4;
  if (text == "ipv6") return Family::kIpv6;
  if (text == "all") return Family::kAll;
  return std::nullopt;
}

std::string_view FamilyName(Family family) {
  switch (family) {
    case Family::kIpv4:
      return "ipv4";
    case Family::kIpv6:
      return "ipv6";
    case Family::kAll:
      break;
  }
  return "all";
}

}  // namespace kr::bgp::control
