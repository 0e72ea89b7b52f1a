// The BGP speaker: one io_context thread running the listener, every configured Peer and
// the RIB (rib.h), wiring sessions to the RIB and the RIB's exports back to UPDATEs.
//
//   SpeakerConfig config{.local_as = 65001, .router_id = 0xc0000201, ...};
//   config.peers.push_back(PeerConfig{.address = ..., .peer_as = 65002});
//   Expected<std::unique_ptr<Speaker>> speaker = Speaker::Create(config);
//   (*speaker)->Originate(*IpPrefix::Parse("198.51.100.0/24"));
//   (*speaker)->AddPeer(PeerConfig{...});        // the peer set may change at run time
//   for (auto& n : (*speaker)->Neighbors()) ...   // state, received routes
//   (*speaker)->AdjRibIn(address), AdjRibOut(address), LocRibStatus()  // routes with ages
//
// Export policy per peer: PeerConfig::export_local_only sends a peer only the routes we
// originate (external routers), as the RIB's RibPeer::export_local_only.
//
// Learning about Loc-RIB changes without polling: SpeakerConfig::on_loc_rib_change is called
// on the io thread after every change of the Loc-RIB (a best route appeared, vanished or
// changed), with the new generation. It must not block and must not call the Speaker's
// query methods (they would wait for the io thread it is running on); post work elsewhere.
// It is also called while the destructor stops the sessions (their routes leave), until the
// destructor returns. LocRibGeneration() returns the same counter from any thread without
// waiting, so a poller can compare it with the last generation it handled before LocRib().
//
// Graceful restart (RFC 4724): every session advertises the capability with
// `graceful_restart_time`. As helper, when a session of a peer that advertised it drops, the
// peer's routes stay in the RIB marked stale for the restart time it announced; routes it
// sends after reconnecting replace them, and the rest are flushed at its End-of-RIB (or when
// the restart time runs out). As restarting speaker, set `restarted` when the daemon was
// started again after a crash or upgrade: each peer's OPENs then carry the R bit until its
// session is up. Every OPEN lists the session's families, with the F bit for those in
// `forwarding_preserved` (the daemon keeps the kernel routes through a restart). End-of-RIB
// follows the initial table on every session. Route selection is not deferred until the
// peers' End-of-RIB after our own restart (RFC 4724 4.1 SHOULD): the kernel routes are the
// daemon's business.
//
// The io thread is created by Create() and inherits the caller's network namespace, so all
// sockets live where Create() was called. Public methods are thread-safe: they post to the
// io thread (queries wait for its answer, so never call them on the io thread itself).
// Destruction stops every session (Cease, flushed for up to 1 s) and joins the thread.
#pragma once

// Boost 1.74's Asio uses std::exchange without including <utility> (g++ 12 rejects that).
// clang-format off
#include <utility>
// clang-format on

#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/base/expected.h"
#include "services/routed/bgp/peer.h"
#include "services/routed/bgp/rib.h"

namespace kr::bgp {

struct SpeakerConfig {
  uint32_t local_as = 0;
  uint32_t router_id = 0;                   // host order
  std::optional<IpAddress> listen_address;  // nullopt: no listener (active peers only)
  uint16_t port = 179;                      // --bgp-port
  uint16_t hold_time = 90;                  // --bgp-holdtime
  uint32_t connect_retry_seconds = 5;
  std::vector<PeerConfig> peers;
  // Originated before any session starts, so the first table (and the End-of-RIB after it)
  // already holds them: what a restarting speaker needs.
  std::vector<IpPrefix> originate;
  // RFC 4456 cluster id (host order) when some peer is a route-reflector client; nullopt:
  // the router id.
  std::optional<uint32_t> cluster_id;
  // Graceful restart (RFC 4724), see above.
  bool graceful_restart = true;
  uint16_t graceful_restart_time = 120;       // seconds, at most 4095
  bool restarted = false;                     // set the R bit in our OPENs
  std::vector<AfiSafi> forwarding_preserved;  // F bit for these families
  // Called on the io thread after the Loc-RIB changed; see above. Must not block.
  std::function<void(uint64_t generation)> on_loc_rib_change;
  // Keep a journal of changed prefixes for TakeLocRibChanges() (see there).
  bool track_loc_rib_changes = false;
};

// Per prefix whose Loc-RIB best route changed: the best route now (nullopt: gone).
using LocRibChanges = std::map<IpPrefix, std::optional<BestRoute>>;

struct NeighborStatus {
  PeerId id = 0;  // the RIB's id for it: RibRoute::from of the routes it sent
  IpAddress address;
  uint32_t peer_as = 0;
  uint32_t router_id = 0;  // host order, from its OPEN; 0 until the first session came up
  SessionState state = SessionState::kIdle;
  size_t received_routes = 0;  // in its Adj-RIB-In (stale ones included)
  size_t accepted_routes = 0;  // its routes that are the Loc-RIB's best
  size_t advertised_routes = 0;
  std::string last_error;
  std::optional<std::chrono::system_clock::time_point> established_since;
  uint64_t messages_received = 0;  // over the lifetime of this neighbour, all sessions
  uint64_t messages_sent = 0;
  // Of the current session (empty / 0 unless Established): "ipv4-unicast", "ipv6-unicast",
  // "route-refresh", "4-octet-as", "graceful-restart".
  std::vector<std::string> capabilities;
  uint16_t hold_time = 0;
  size_t stale_routes = 0;  // kept through its graceful restart
};

// A route with how long it has been in the RIB as it is (since it arrived, was originated, or
// its attributes last changed); nullopt when unknown (Adj-RIB-Out: when it was sent is not
// kept).
struct RouteStatus {
  RibRoute route;
  std::optional<std::chrono::seconds> age;
};

class Speaker {
 public:
  // Binds the listener (with every peer's MD5 key) and starts the io thread and all peers.
  static Expected<std::unique_ptr<Speaker>> Create(SpeakerConfig config);
  ~Speaker();
  Speaker(const Speaker&) = delete;
  Speaker& operator=(const Speaker&) = delete;

  void Originate(const IpPrefix& prefix, std::vector<uint32_t> communities = {});
  void Withdraw(const IpPrefix& prefix);
  // Starts a session with a new neighbour; an error when its address is already configured
  // or its MD5 key cannot be installed on the listener.
  Status AddPeer(PeerConfig peer);
  // Stops the session with the neighbour (Cease / Administrative Shutdown) and withdraws its
  // routes everywhere; an error when no neighbour has that address.
  Status RemovePeer(const IpAddress& address);
  std::vector<NeighborStatus> Neighbors();
  std::vector<RibRoute> LocRib();
  // The same routes with their age (for people: one more lookup per route).
  std::vector<RouteStatus> LocRibStatus();
  // What the neighbour sent us (stale routes included) / what we send it, ordered by prefix;
  // ENOENT when no neighbour has that address. Adj-RIB-Out routes carry the attributes as
  // sent, and `from` is where the Loc-RIB route they export came from.
  Expected<std::vector<RouteStatus>> AdjRibIn(const IpAddress& neighbor);
  Expected<std::vector<RouteStatus>> AdjRibOut(const IpAddress& neighbor);
  // Changes whenever the Loc-RIB changes; never waits for the io thread.
  uint64_t LocRibGeneration() const { return loc_rib_generation_.load(); }
  // With SpeakerConfig::track_loc_rib_changes: the prefixes whose best route changed since the
  // last call (since Create for the first), each with its best route as of its last change;
  // empty without tracking. Thread-safe, never waits for the io thread. A change is in the
  // journal before LocRibGeneration() shows it, so a caller that reads the generation, then
  // takes the changes, has every change up to that generation (and maybe later ones). The
  // journal holds at most one entry per prefix: unread, it grows to the prefixes that changed.
  LocRibChanges TakeLocRibChanges();

 private:
  struct PeerSlot {
    std::unique_ptr<Peer> peer;
    std::optional<std::chrono::system_clock::time_point> established_since;
    std::unique_ptr<boost::asio::steady_timer> stale_timer;  // graceful-restart helper
  };

  explicit Speaker(SpeakerConfig config);
  Status Listen();
  void AcceptNext();
  Status StartPeer(PeerConfig config);  // io thread
  void OnUp(PeerId id);
  void OnDown(PeerId id, const action::SessionDown& down);
  void OnUpdate(PeerId id, const UpdateMessage& update, std::optional<AfiSafi> end_of_rib);
  void OnStaleTimeout(PeerId id);
  // (Re)starts the timer that flushes the peer's stale routes; stops it when none are left.
  void ArmStaleTimer(PeerId id, uint16_t seconds);
  // Sends the routes and tells the owner when the Loc-RIB changed.
  void Commit(const std::vector<OutgoingRoute>& routes);
  // Moves the RIB's recorded changes to the journal, then publishes the generation.
  void PublishLocRib();
  void SendTo(PeerId id, const std::vector<const OutgoingRoute*>& routes);
  void ReapRetired();
  // Sets the RIB's clock (route ages) to now; before every RIB change that adds routes.
  void Tick();
  std::optional<std::chrono::seconds> AgeOf(PeerId from, const IpPrefix& prefix) const;
  std::optional<PeerId> IdOf(const IpAddress& neighbor) const;
  template <typename F>
  auto Query(F fn) -> decltype(fn());
  // Stops the io_context once every connection has flushed and closed, or at `deadline`.
  void StopWhenDrained(std::chrono::steady_clock::time_point deadline);

  SpeakerConfig config_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer drain_timer_;
  boost::asio::steady_timer reap_timer_;
  std::map<PeerId, PeerSlot> peers_;
  // Route ages count seconds from here (steady, so a clock step changes no age).
  const std::chrono::steady_clock::time_point epoch_ = std::chrono::steady_clock::now();
  PeerId next_peer_id_ = 1;
  // Removed peers whose connections are still flushing their Cease; destroyed once closed.
  std::vector<std::unique_ptr<Peer>> retired_;
  Rib rib_;
  uint64_t notified_generation_ = 0;
  std::atomic<uint64_t> loc_rib_generation_{0};
  std::mutex journal_mu_;
  LocRibChanges journal_;  // guarded by journal_mu_
  std::thread thread_;
};

}  // namespace kr::bgp
