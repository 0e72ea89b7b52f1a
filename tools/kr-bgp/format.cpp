#include "tools/kr-bgp/format.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace kr::bgpctl {
namespace {

using bgp::control::NeighborView;
using bgp::control::RouteView;

std::string PadRight(const std::string& text, size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

std::string PadLeft(const std::string& text, size_t width) {
  return text.size() >= width ? text : std::string(width - text.size(), ' ') + text;
}

std::string CountOrDash(std::optional<uint64_t> count) {
  return count ? std::to_string(*count) : "-";
}

}  // namespace

std::string FormatDuration(std::optional<int64_t> seconds) {
  if (!seconds || *seconds < 0) return "never";
  const int64_t days = *seconds / 86400;
  const int64_t rest = *seconds % 86400;
  char clock[32];
  std::snprintf(clock, sizeof(clock), "%02lld:%02lld:%02lld", static_cast<long long>(rest / 3600),
                static_cast<long long>(rest / 60 % 60), static_cast<long long>(rest % 60));
  return days > 0 ? std::to_string(days) + "d " + clock : clock;
}

std::string FormatNeighborTable(const std::vector<NeighborView>& neighbors) {
  size_t peer_width = 4;  // "Peer"
  size_t as_width = 2;    // "AS"
  size_t up_width = 7;    // "Up/Down"
  for (const NeighborView& n : neighbors) {
    peer_width = std::max(peer_width, n.address.size());
    as_width = std::max(as_width, std::to_string(n.peer_as).size());
    up_width = std::max(up_width, FormatDuration(n.uptime_seconds).size());
  }
  constexpr size_t kStateWidth = 11;  // "OpenConfirm"
  std::ostringstream out;
  out << PadRight("Peer", peer_width) << ' ' << PadLeft("AS", as_width) << ' '
      << PadRight("Up/Down", up_width) << ' ' << PadRight("State", kStateWidth)
      << " |#Received  Accepted\n";
  for (const NeighborView& n : neighbors) {
    out << PadRight(n.address, peer_width) << ' ' << PadLeft(std::to_string(n.peer_as), as_width)
        << ' ' << PadRight(FormatDuration(n.uptime_seconds), up_width) << ' '
        << PadRight(n.state, kStateWidth) << " |" << PadLeft(std::to_string(n.received_routes), 9)
        << ' ' << PadLeft(CountOrDash(n.accepted_routes), 9) << '\n';
  }
  return out.str();
}

std::string FormatNeighborDetail(const NeighborView& n) {
  std::ostringstream out;
  out << "BGP neighbor is " << n.address << ", remote AS " << n.peer_as << "\n";
  out << "  BGP version 4, remote router ID " << n.remote_router_id.value_or("unknown") << "\n";
  out << "  BGP state = " << n.state;
  if (n.uptime_seconds) out << ", up for " << FormatDuration(n.uptime_seconds);
  out << "\n";
  out << "  Local AS " << n.local_as << "\n";
  if (n.hold_time) {
    out << "  Hold time is " << *n.hold_time << ", keepalive interval is " << *n.hold_time / 3
        << " seconds\n";
  }
  if (!n.capabilities.empty()) {
    out << "  Neighbor capabilities:\n";
    for (const std::string& c : n.capabilities) out << "    " << c << "\n";
  }
  out << "  Message statistics:\n"
      << "                         Sent       Rcvd\n"
      << "    Total:       " << PadLeft(CountOrDash(n.messages_sent), 12) << ' '
      << PadLeft(CountOrDash(n.messages_received), 10) << "\n";
  out << "  Route statistics:\n"
      << "    Advertised:  " << PadLeft(std::to_string(n.advertised_routes), 12) << "\n"
      << "    Received:    " << PadLeft(std::to_string(n.received_routes), 12) << "\n"
      << "    Accepted:    " << PadLeft(CountOrDash(n.accepted_routes), 12) << "\n";
  if (!n.last_error.empty()) out << "  Last error: " << n.last_error << "\n";
  return out.str();
}

std::string FormatAttributes(const RouteView& r) {
  std::string out = "[";
  auto add = [&](const std::string& item) {
    if (out.size() > 1) out += ' ';
    out += "{" + item + "}";
  };
  if (!r.origin.empty()) add("Origin: " + r.origin);
  if (r.local_pref) add("LocalPref: " + std::to_string(*r.local_pref));
  if (r.med) add("Med: " + std::to_string(*r.med));
  if (!r.communities.empty()) {
    std::string list;
    for (const std::string& c : r.communities) list += (list.empty() ? "" : ", ") + c;
    add("Communities: " + list);
  }
  return out + "]";
}

std::string FormatRibTable(const std::vector<RouteView>& routes) {
  if (routes.empty()) return "Network not in table\n";
  size_t network_width = 20, next_hop_width = 20, path_width = 20;  // gobgp's minimums
  for (const RouteView& r : routes) {
    network_width = std::max(network_width, r.prefix.size());
    next_hop_width = std::max(next_hop_width, r.next_hop.size());
    path_width = std::max(path_width, r.as_path.size());
  }
  constexpr size_t kAgeWidth = 10;
  std::ostringstream out;
  out << "   " << PadRight("Network", network_width) << ' ' << PadRight("Next Hop", next_hop_width)
      << ' ' << PadRight("AS_PATH", path_width) << ' ' << PadRight("Age", kAgeWidth) << ' '
      << "Attrs\n";
  for (const RouteView& r : routes) {
    const std::string age = r.age_seconds ? FormatDuration(r.age_seconds) : "-";
    out << (r.best ? "*> " : "*  ") << PadRight(r.prefix, network_width) << ' '
        << PadRight(r.next_hop, next_hop_width) << ' ' << PadRight(r.as_path, path_width) << ' '
        << PadRight(age, kAgeWidth) << ' ' << FormatAttributes(r) << '\n';
  }
  return out.str();
}

}  // namespace kr::bgpctl
