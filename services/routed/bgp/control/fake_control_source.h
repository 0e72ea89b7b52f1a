// A ControlSource holding fixed neighbours and routes, for tests of the protocol, the server
// and kr-bgp's output. Adj-RIB-In/Out answer from per-neighbour maps, ENOENT for a neighbour
// it does not list (what a real source says).
#pragma once

#include <cerrno>
#include <map>
#include <string>
#include <vector>

#include "services/routed/bgp/control/control_types.h"

namespace kr::bgp::control {

class FakeControlSource : public ControlSource {
 public:
  std::vector<NeighborView> neighbors;
  std::vector<RouteView> loc_rib;
  std::map<std::string, std::vector<RouteView>> adj_in;
  std::map<std::string, std::vector<RouteView>> adj_out;

  std::vector<NeighborView> Neighbors() override { return neighbors; }
  std::vector<RouteView> LocRib(Family family) override { return Filter(loc_rib, family); }
  Expected<std::vector<RouteView>> AdjRibIn(const std::string& n, Family family) override {
    return Lookup(adj_in, n, family);
  }
  Expected<std::vector<RouteView>> AdjRibOut(const std::string& n, Family family) override {
    return Lookup(adj_out, n, family);
  }

 private:
  static std::vector<RouteView> Filter(const std::vector<RouteView>& routes, Family family) {
    std::vector<RouteView> out;
    for (const RouteView& r : routes) {
      const bool v6 = r.prefix.find(':') != std::string::npos;
      if (family == Family::kAll || (family == Family::kIpv6) == v6) out.push_back(r);
    }
    return out;
  }
  Expected<std::vector<RouteView>> Lookup(const std::map<std::string, std::vector<RouteView>>& m,
                                          const std::string& n, Family family) const {
    auto it = m.find(n);
    if (it == m.end()) return Error{ENOENT, "neighbor " + n + " is not configured"};
    return Filter(it->second, family);
  }
};

}  // namespace kr::bgp::control
