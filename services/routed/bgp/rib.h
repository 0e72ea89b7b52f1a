// A minimal BGP RIB: Adj-RIB-In per peer, the Loc-RIB chosen by the RFC 4271 9.1 decision
// process, and Adj-RIB-Out per peer with the export rules (next-hop self and AS prepend
// towards eBGP, LOCAL_PREF towards iBGP, no iBGP-learned route to another iBGP peer, the
// well-known NO_EXPORT / NO_ADVERTISE communities).
//
// Every mutation returns the routes to send (OutgoingRoute: announce with attributes, or
// withdraw), already diffed against what each peer was sent, so the caller only encodes and
// writes them. Pure: no I/O, no clock; not thread-safe (the speaker's io thread owns it).
// Route reflection (RFC 4456) and graceful-restart stale marking are not here yet.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "services/routed/bgp/afi_safi.h"
#include "services/routed/bgp/path_attributes.h"
#include "services/routed/bgp/update_message.h"

namespace kr::bgp {

using PeerId = uint32_t;
inline constexpr PeerId kLocalPeer = 0;  // routes this speaker originates

struct RibPeer {
  PeerId id = 0;
  uint32_t peer_as = 0;
  uint32_t router_id = 0;  // host order, from its OPEN
  IpAddress address;
  bool ibgp = false;
  std::vector<AfiSafi> families = {kIpv4Unicast};
  // Our addresses on the session: the next hop we put in routes for that family.
  std::optional<IpAddress> local_v4;
  std::optional<IpAddress> local_v6;
  bool next_hop_self_ibgp = false;  // also rewrite the next hop of eBGP routes sent to iBGP
};

struct RibRoute {
  PeerId from = kLocalPeer;
  IpPrefix prefix;
  PathAttributes attributes;
  IpAddress next_hop;
};

struct OutgoingRoute {
  PeerId to = 0;
  IpPrefix prefix;
  std::optional<PathAttributes> attributes;  // nullopt: withdraw
  IpAddress next_hop;                        // for IPv6 MP_REACH (IPv4 has it in attributes)
};

class Rib {
 public:
  Rib(uint32_t local_as, uint32_t router_id) : local_as_(local_as), router_id_(router_id) {}

  // A session came up: returns the full table for it.
  std::vector<OutgoingRoute> PeerUp(const RibPeer& peer);
  // A session went down: its routes are withdrawn everywhere.
  std::vector<OutgoingRoute> PeerDown(PeerId peer);
  // An UPDATE received from an up peer (withdrawals, NLRI, MP_REACH and MP_UNREACH).
  std::vector<OutgoingRoute> Apply(PeerId peer, const UpdateMessage& update);

  // Originates a prefix with ORIGIN IGP (the default) and an empty AS path.
  std::vector<OutgoingRoute> Originate(const IpPrefix& prefix, Origin origin = Origin::kIgp,
                                       std::vector<uint32_t> communities = {});
  std::vector<OutgoingRoute> WithdrawLocal(const IpPrefix& prefix);

  const RibRoute* Best(const IpPrefix& prefix) const;
  std::vector<RibRoute> LocRib() const;
  std::vector<RibRoute> AdjRibIn(PeerId peer) const;
  std::vector<OutgoingRoute> AdjRibOut(PeerId peer) const;
  size_t received_count(PeerId peer) const;

  // RFC 4271 9.1.2.2: whether `a` is preferred over `b`. Routes from unknown peers (gone)
  // never win.
  bool Better(const RibRoute& a, const RibRoute& b) const;

 private:
  struct Sent {
    PathAttributes attributes;
    IpAddress next_hop;
  };
  // Replaces (or with nullopt removes) one peer's route and re-runs selection for the prefix.
  void SetCandidate(PeerId peer, const IpPrefix& prefix, std::optional<RibRoute> route,
                    std::vector<OutgoingRoute>& out);
  void Reselect(const IpPrefix& prefix, std::vector<OutgoingRoute>& out);
  void ExportTo(const RibPeer& peer, const IpPrefix& prefix, std::vector<OutgoingRoute>& out);
  std::optional<Sent> ExportPolicy(const RibPeer& peer, const RibRoute& best) const;
  bool Rejected(const RibPeer& peer, const PathAttributes& attributes) const;

  uint32_t local_as_;
  uint32_t router_id_;
  std::map<PeerId, RibPeer> peers_;                            // up sessions only
  std::map<IpPrefix, std::map<PeerId, RibRoute>> candidates_;  // Adj-RIBs-In, by prefix
  std::map<IpPrefix, PeerId> best_;                            // Loc-RIB
  std::map<PeerId, std::map<IpPrefix, Sent>> adj_out_;
};

}  // namespace kr::bgp
