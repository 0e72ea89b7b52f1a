// The BGP speaker: one io_context thread running the listener, every configured Peer and
// the RIB (rib.h), wiring sessions to the RIB and the RIB's exports back to UPDATEs.
//
//   SpeakerConfig config{.local_as = 65001, .router_id = 0xc0000201, ...};
//   config.peers.push_back(PeerConfig{.address = ..., .peer_as = 65002});
//   Expected<std::unique_ptr<Speaker>> speaker = Speaker::Create(config);
//   (*speaker)->Originate(*IpPrefix::Parse("198.51.100.0/24"));
//   for (auto& n : (*speaker)->Neighbors()) ...   // state, received routes
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

#include <boost/asio.hpp>
#include <memory>
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
};

struct NeighborStatus {
  IpAddress address;
  uint32_t peer_as = 0;
  SessionState state = SessionState::kIdle;
  size_t received_routes = 0;  // in its Adj-RIB-In
  size_t advertised_routes = 0;
  std::string last_error;
};

class Speaker {
 public:
  // Binds the listener (with every peer's MD5 key) and starts the io thread and all peers.
  static Expected<std::unique_ptr<Speaker>> Create(SpeakerConfig config);
  ~Speaker();
  Speaker(const Speaker&) = delete;
  Speaker& operator=(const Speaker&) = delete;

  void Originate(const IpPrefix& prefix);
  void Withdraw(const IpPrefix& prefix);
  std::vector<NeighborStatus> Neighbors();
  std::vector<RibRoute> LocRib();

 private:
  explicit Speaker(SpeakerConfig config);
  Status Listen();
  void AcceptNext();
  void OnUp(size_t index);
  void OnDown(size_t index);
  void OnUpdate(size_t index, const UpdateMessage& update);
  void Send(const std::vector<OutgoingRoute>& routes);
  template <typename F>
  auto Query(F fn) -> decltype(fn());
  // Stops the io_context once every connection has flushed and closed, or at `deadline`.
  void StopWhenDrained(std::chrono::steady_clock::time_point deadline);

  SpeakerConfig config_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer drain_timer_;
  std::vector<std::unique_ptr<Peer>> peers_;  // PeerId = index + 1
  Rib rib_;
  std::thread thread_;
};

}  // namespace kr::bgp
