// One BGP neighbour on Boost.Asio: the TCP connection(s), the three session timers, and a
// SessionFsm that decides what to do with them (session_fsm.h).
//
// Active peers connect out (with the MD5 key and TTL set before connect()); the Speaker's
// listener hands incoming connections to Accept(). A connection arriving while another one
// is in OpenSent/OpenConfirm is kept as a candidate until its OPEN names the peer's BGP
// identifier, then RFC 4271 6.8 picks the survivor and the loser gets Cease / Connection
// Collision Resolution; if the session's own connection fails first (the peer may end it with
// that Cease), the candidate carries the session on. A connection arriving while our connect is
// in flight replaces it only while our handshake is unfinished (the peer cannot hold ours
// yet); once the kernel has completed ours, ours goes to OpenSent first and the new one
// collides as above, so two speakers whose connects cross never both drop the one the other
// kept. A connection arriving while the FSM sits in Idle waiting out its connect-retry backoff
// restarts the FSM passively and is taken (RFC 4271 8.1.1 event 5), so two backing-off
// speakers cannot keep refusing each other.
//
// Threading: every method must be called on the io_context's (single) thread, and the
// callbacks run there. The owner keeps the Peer alive until the io_context has stopped.
#pragma once

// Boost 1.74's Asio uses std::exchange without including <utility> (g++ 12 rejects that).
// clang-format off
#include <utility>
// clang-format on

#include <boost/asio.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "services/routed/bgp/prefix_range.h"
#include "services/routed/bgp/session_fsm.h"

namespace kr::bgp {

struct PeerConfig {
  IpAddress address;
  uint32_t peer_as = 0;
  uint16_t port = 179;  // the peer's port when we connect
  bool passive = false;
  std::string md5_password;                // empty: no TCP MD5
  std::optional<int> ttl;                  // eBGP multihop: outgoing IP TTL / hop limit
  std::optional<IpAddress> local_address;  // bind outgoing connections to it
  std::vector<AfiSafi> families = {kIpv4Unicast};
  // Next hop for the family the session's own addresses do not cover (IPv6 routes on an
  // IPv4 session and vice versa).
  std::optional<IpAddress> other_family_next_hop;
  // RFC 4456: this iBGP peer is a client of ours (we reflect routes to and from it).
  bool route_reflector_client = false;
  // Export policy: our AS is prepended this many extra times towards this (eBGP) peer.
  uint8_t as_path_prepend = 0;
  // Export policy: send this peer only the routes we originate, none we learned (what
  // kube-router sends an external router: the node's own pod CIDR and service IPs).
  bool export_local_only = false;
  // Import policy: routes from this peer for prefixes matching any range are dropped.
  std::vector<PrefixRange> import_reject;
};

class Peer {
 public:
  struct Callbacks {
    std::function<void(Peer&)> up;  // Established; negotiated() and local_address() valid
    std::function<void(Peer&, const action::SessionDown&)> down;  // left Established
    // end_of_rib: the message was that family's End-of-RIB marker.
    std::function<void(Peer&, const UpdateMessage&, std::optional<AfiSafi> end_of_rib)> update;
    std::function<void(Peer&, AfiSafi)> route_refresh;
  };

  Peer(boost::asio::io_context& io, PeerConfig config, SessionConfig session, Callbacks callbacks);
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;
  ~Peer();

  void Start();
  void Stop();
  // An incoming connection from this peer's address.
  void Accept(boost::asio::ip::tcp::socket socket);
  // Encodes with the negotiated options and queues; dropped unless Established.
  void Send(const Message& message);

  const PeerConfig& config() const { return config_; }
  SessionState state() const { return fsm_.state(); }
  const NegotiatedSession& negotiated() const { return fsm_.negotiated(); }
  const std::string& last_error() const { return fsm_.last_error(); }
  std::optional<IpAddress> local_address() const { return local_address_; }
  uint64_t messages_received() const { return messages_received_; }
  uint64_t messages_sent() const { return messages_sent_; }
  // Connections not yet closed and released (a closing one still flushing its NOTIFICATION
  // counts), so the owner can let the last messages out before stopping the io_context.
  size_t live_connections() const { return *live_connections_; }

 private:
  struct Connection;
  using ConnectionPtr = std::shared_ptr<Connection>;

  void Dispatch(const SessionEvent& event);
  void Execute(const SessionAction& action);
  void Connect();
  // Our outgoing connection is up: the FSM hears of it and reading starts (once per connection).
  void OnConnected(const ConnectionPtr& connection);
  // The handshake of our outgoing connection has completed, its handler has not run yet.
  bool OutgoingConnected() const;
  void StartTimer(TimerKind kind, uint32_t seconds);
  void StopTimer(TimerKind kind);
  void StartReading(const ConnectionPtr& connection);
  void OnFrames(const ConnectionPtr& connection);
  void OnCandidateOpen(const OpenMessage& open, std::vector<DecodedMessage> messages);
  // The colliding connection becomes the session's (restarting the FSM if it went Idle), and
  // `messages` already received on it are handled.
  void AdoptCandidate(std::vector<DecodedMessage> messages);
  void OnConnectionLost(const ConnectionPtr& connection, const std::string& reason);
  void Write(const ConnectionPtr& connection, std::vector<uint8_t> bytes);
  void Flush(const ConnectionPtr& connection);
  void CloseAfterWrite(const ConnectionPtr& connection);

  boost::asio::io_context& io_;
  PeerConfig config_;
  SessionFsm fsm_;
  Callbacks callbacks_;
  ConnectionPtr connection_;  // the one the FSM is driving
  ConnectionPtr candidate_;   // a colliding incoming connection, until its OPEN arrives
  std::vector<DecodedMessage> candidate_messages_;
  boost::asio::steady_timer timers_[3];
  uint64_t timer_generation_[3] = {0, 0, 0};
  std::optional<IpAddress> local_address_;
  uint64_t messages_received_ = 0;
  uint64_t messages_sent_ = 0;  // on the session's connection, not on collision candidates
  // Shared with every Connection, which may outlive the Peer inside pending handlers.
  std::shared_ptr<size_t> live_connections_ = std::make_shared<size_t>(0);
};

}  // namespace kr::bgp
