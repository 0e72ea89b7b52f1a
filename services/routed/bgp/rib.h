// A BGP RIB: Adj-RIB-In per peer, the Loc-RIB chosen by the RFC 4271 9.1 decision process,
// and Adj-RIB-Out per peer with the export rules (next-hop self and AS prepend towards eBGP,
// LOCAL_PREF towards iBGP, the well-known NO_EXPORT / NO_ADVERTISE communities).
//
// iBGP: a route learned from an iBGP peer goes to another iBGP peer only by route reflection
// (RFC 4456): from a client to everyone, from a non-client to clients only, with
// ORIGINATOR_ID and CLUSTER_LIST set on the way; routes carrying our router id as
// ORIGINATOR_ID or our cluster id in CLUSTER_LIST are dropped on import.
// Per-peer policy: import reject prefix ranges, and extra prepends of our AS on export.
// Graceful restart (RFC 4724) helper: PeerDown(keep_stale) keeps a peer's routes, marked
// stale, until the peer re-sends them (no longer stale), EndOfRib() flushes the stale rest
// of a family, or FlushStale() gives up on them (the owner runs the restart timer).
//
// Every mutation returns the routes to send (OutgoingRoute: announce with attributes, or
// withdraw), already diffed against what each peer was sent, so the caller only encodes and
// writes them. Pure: no I/O, no clock; not thread-safe (the speaker's io thread owns it).
//
// Storage: each distinct attribute set (with its next hop) is interned once and shared,
// immutable, by every route carrying it (the routes of one UPDATE share one set); tables are
// hash maps by prefix, and the query functions (LocRib, AdjRibIn, AdjRibOut) sort on demand.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "services/routed/bgp/afi_safi.h"
#include "services/routed/bgp/path_attributes.h"
#include "services/routed/bgp/prefix_range.h"
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
  bool next_hop_self_ibgp = false;      // also rewrite the next hop of eBGP routes sent to iBGP
  bool route_reflector_client = false;  // RFC 4456 client (iBGP only)
  uint8_t as_path_prepend = 0;          // extra copies of our AS towards this eBGP peer
  // Export policy: only routes we originate go to this peer (an external router must not
  // learn through us what other nodes or routers announce).
  bool export_local_only = false;
  std::vector<PrefixRange> import_reject;
};

struct RibRoute {
  PeerId from = kLocalPeer;
  IpPrefix prefix;
  PathAttributes attributes;
  IpAddress next_hop;
};

// What a prefix's Loc-RIB best route is now, for owners that follow changes rather than copy
// the table (the kernel routes): where it came from and its next hop.
struct BestRoute {
  PeerId from = kLocalPeer;
  IpAddress next_hop;
  bool operator==(const BestRoute&) const = default;
};
struct LocRibChange {
  IpPrefix prefix;
  std::optional<BestRoute> best;  // nullopt: the prefix left the Loc-RIB
};

struct OutgoingRoute {
  PeerId to = 0;
  IpPrefix prefix;
  std::optional<PathAttributes> attributes;  // nullopt: withdraw
  IpAddress next_hop;                        // for IPv6 MP_REACH (IPv4 has it in attributes)
};

class Rib {
 public:
  // `cluster_id` (RFC 4456, host order) defaults to the router id.
  Rib(uint32_t local_as, uint32_t router_id, std::optional<uint32_t> cluster_id = std::nullopt)
      : local_as_(local_as), router_id_(router_id), cluster_id_(cluster_id.value_or(router_id)) {}

  // A session came up: returns the full table for it. Stale routes it left stay stale.
  std::vector<OutgoingRoute> PeerUp(const RibPeer& peer);
  // A session went down: its routes are withdrawn everywhere, or with `keep_stale` (graceful
  // restart helper) kept and marked stale.
  std::vector<OutgoingRoute> PeerDown(PeerId peer, bool keep_stale = false);
  // The peer's End-of-RIB for `family`: its routes of that family still stale are withdrawn.
  std::vector<OutgoingRoute> EndOfRib(PeerId peer, AfiSafi family);
  // Withdraws the peer's stale routes of `family` (nullopt: all families), e.g. when its
  // restart time ran out or it came back without preserving forwarding state.
  std::vector<OutgoingRoute> FlushStale(PeerId peer, std::optional<AfiSafi> family = std::nullopt);
  // An UPDATE received from an up peer (withdrawals, NLRI, MP_REACH and MP_UNREACH).
  std::vector<OutgoingRoute> Apply(PeerId peer, const UpdateMessage& update);

  // Originates a prefix with ORIGIN IGP (the default) and an empty AS path.
  std::vector<OutgoingRoute> Originate(const IpPrefix& prefix, Origin origin = Origin::kIgp,
                                       std::vector<uint32_t> communities = {});
  std::vector<OutgoingRoute> WithdrawLocal(const IpPrefix& prefix);

  // The returned route is a copy owned by the Rib, valid until the next call of Best().
  const RibRoute* Best(const IpPrefix& prefix) const;
  // Ordered by prefix.
  std::vector<RibRoute> LocRib() const;
  std::vector<RibRoute> AdjRibIn(PeerId peer) const;
  std::vector<OutgoingRoute> AdjRibOut(PeerId peer) const;
  size_t received_count(PeerId peer) const;
  size_t advertised_count(PeerId peer) const;  // in its Adj-RIB-Out
  // Prefixes whose Loc-RIB best route came from `peer`.
  size_t accepted_count(PeerId peer) const;
  size_t stale_count(PeerId peer) const;
  bool IsStale(PeerId peer, const IpPrefix& prefix) const;
  // Bumped whenever a Loc-RIB entry appears, disappears or changes (its best route or that
  // route's attributes), so an owner can tell cheaply whether to look again.
  uint64_t generation() const { return generation_; }
  // With tracking on, every generation bump also records the prefix's new best route, kept
  // until TakeLocRibChanges() (in order; a prefix may appear more than once, the last wins).
  void TrackLocRibChanges(bool on) { track_changes_ = on; }
  std::vector<LocRibChange> TakeLocRibChanges() { return std::exchange(changes_, {}); }

  // RFC 4271 9.1.2.2: whether `a` is preferred over `b`. Routes from unknown peers (gone)
  // never win.
  bool Better(const RibRoute& a, const RibRoute& b) const;

 private:
  // One interned attribute set with the next hop it was received or sent with. Immutable;
  // shared by every route carrying it; dropped from the table by SweepInterned() once only
  // the table holds it.
  struct StoredAttributes {
    PathAttributes attributes;
    IpAddress next_hop;
    size_t hash = 0;
  };
  using SharedAttributes = std::shared_ptr<const StoredAttributes>;
  struct Candidate {
    PeerId from = kLocalPeer;
    uint32_t since = 0;  // set_clock() value when it appeared or changed (fills padding)
    SharedAttributes stored;
  };
  struct PrefixEntry {
    std::vector<Candidate> candidates;  // one per peer, unordered; usually just one
    uint32_t best = 0;                  // index in candidates
  };
  struct Sent {
    PathAttributes attributes;
    IpAddress next_hop;
  };
  struct PrefixHash {
    size_t operator()(const IpPrefix& prefix) const noexcept;
  };
  template <typename V>
  using PrefixMap = std::unordered_map<IpPrefix, V, PrefixHash>;

  SharedAttributes Intern(PathAttributes attributes, const IpAddress& next_hop);
  void SweepInterned();
  // Replaces (or with nullptr removes) one peer's route and re-runs selection for the prefix.
  void SetCandidate(PeerId peer, const IpPrefix& prefix, SharedAttributes stored,
                    std::vector<OutgoingRoute>& out);
  void SelectBest(PrefixEntry& entry) const;
  const Candidate* BestCandidate(const IpPrefix& prefix) const;
  bool Prefers(PeerId a_from, const PathAttributes& a, PeerId b_from,
               const PathAttributes& b) const;
  // `best` is BestCandidate(prefix), passed in by callers that already hold the entry.
  void ExportTo(const RibPeer& peer, const IpPrefix& prefix, const Candidate* best,
                std::vector<OutgoingRoute>& out);
  std::optional<Sent> ExportPolicy(const RibPeer& peer, const IpPrefix& prefix,
                                   const Candidate& best) const;
  bool Rejected(const RibPeer& peer, const PathAttributes& attributes) const;
  bool IsUp(PeerId peer) const { return up_.count(peer) != 0; }

  uint32_t local_as_;
  uint32_t router_id_;
  uint32_t cluster_id_;
  // Interned attribute sets by hash; declared first so it outlives every route using them.
  std::unordered_map<size_t, std::vector<SharedAttributes>> interned_;
  size_t interned_count_ = 0;
  size_t interned_after_sweep_ = 0;
  // Up sessions, and down ones whose stale routes are kept (graceful restart).
  std::map<PeerId, RibPeer> peers_;
  std::unordered_set<PeerId> up_;
  std::unordered_map<PeerId, std::unordered_set<IpPrefix, PrefixHash>> stale_;
  PrefixMap<PrefixEntry> table_;  // Adj-RIBs-In and the Loc-RIB choice, by prefix
  std::unordered_map<PeerId, PrefixMap<SharedAttributes>> adj_out_;
  mutable std::optional<RibRoute> best_view_;  // what Best() points to
  uint64_t generation_ = 0;
  bool track_changes_ = false;
  std::vector<LocRibChange> changes_;
  uint32_t clock_ = 0;

 public:
  // Route age without a clock of its own: the owner sets the time (any monotonic count of
  // seconds) before mutations, and each route remembers the value from when it appeared or
  // its attributes changed (an identical re-announcement keeps it).
  void set_clock(uint32_t seconds) { clock_ = seconds; }
  // That value for `peer`'s route to `prefix`; nullopt when it has none.
  std::optional<uint32_t> Since(PeerId peer, const IpPrefix& prefix) const;
};

}  // namespace kr::bgp
