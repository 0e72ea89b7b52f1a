// Helpers for the RIB's unit tests: peers, announcements and lookups in RIB output.
#pragma once

#include <vector>

#include "services/routed/bgp/rib.h"

namespace kr::bgp::testing {

inline constexpr uint32_t kLocalAs = 65001;
inline constexpr uint32_t kLocalRouterId = 0xc0000201;  // 192.0.2.1

inline IpPrefix P(const char* text) {
  return *IpPrefix::Parse(text);
}
inline IpAddress A(const char* text) {
  return *IpAddress::Parse(text);
}

// A session with `address`; iBGP when `asn` is ours. We sit on 192.0.2.1 / 2001:db8::1.
inline RibPeer MakePeer(PeerId id, uint32_t asn, const char* address, uint32_t router_id) {
  RibPeer p;
  p.id = id;
  p.peer_as = asn;
  p.ibgp = asn == kLocalAs;
  p.address = A(address);
  p.router_id = router_id;
  p.families = {kIpv4Unicast, kIpv6Unicast};
  p.local_v4 = A("192.0.2.1");
  p.local_v6 = A("2001:db8::1");
  return p;
}

inline UpdateMessage Announce(const char* prefix, std::vector<uint32_t> path,
                              const char* next_hop) {
  UpdateMessage u;
  u.attributes.origin = Origin::kIgp;
  u.attributes.as_path = AsPath{};
  if (!path.empty()) u.attributes.as_path->segments.push_back({AsSegmentType::kSequence, path});
  u.attributes.next_hop = A(next_hop);
  u.nlri.push_back(P(prefix));
  return u;
}

inline UpdateMessage Withdrawal(const char* prefix) {
  UpdateMessage u;
  u.withdrawn.push_back(P(prefix));
  return u;
}

// The entry for `peer` (and `prefix`, when given) in a RIB mutation's output.
inline const OutgoingRoute* To(const std::vector<OutgoingRoute>& out, PeerId peer,
                               const char* prefix = nullptr) {
  for (const auto& r : out) {
    if (r.to == peer && (prefix == nullptr || r.prefix == P(prefix))) return &r;
  }
  return nullptr;
}

}  // namespace kr::bgp::testing
