// Two of our Peers, each the other's neighbour on loopback, starting at once on a slow machine:
// each one's outgoing connection has completed in the kernel, and the other side has accepted
// it, before either Peer has run its connect completion. (Under the VM tier's software
// emulation this is common: the handshake takes microseconds in the kernel, the io thread
// gets the CPU milliseconds later.) The test builds exactly that moment by not running the
// io_context until both incoming connections have been handed over.
//
// Both Peers must then agree on one connection and reach Established without waiting for a
// connect retry; a Peer that drops its own (already accepted) connection for the incoming one
// makes the other side do the same, and both sessions die and retry in lockstep.
//
// Unit tier: loopback only, no root.
// Boost 1.74's Asio uses std::exchange without including <utility> (g++ 12 rejects that).
// clang-format off
#include <utility>
// clang-format on

#include <poll.h>

#include <boost/asio.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>

#include "services/routed/bgp/peer.h"

namespace kr::bgp {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

constexpr uint32_t kAs = 64512;
// Long enough that no retry can rescue a dropped pair within the test's bound.
constexpr uint32_t kConnectRetrySeconds = 60;
constexpr auto kBound = 20s;

struct Side {
  Side(asio::io_context& io, uint32_t router_id)
      : io(io),
        router_id(router_id),
        listener(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {}

  void MakePeer(uint16_t remote_port) {
    PeerConfig config;
    config.address = *IpAddress::Parse("127.0.0.1");
    config.peer_as = kAs;
    config.port = remote_port;
    SessionConfig session;
    session.local_as = kAs;
    session.peer_as = kAs;
    session.router_id = router_id;
    session.hold_time = 9;
    session.connect_retry_seconds = kConnectRetrySeconds;
    session.connect_retry_max_seconds = kConnectRetrySeconds;
    Peer::Callbacks callbacks;
    callbacks.up = [this](Peer&) { ++ups; };
    callbacks.down = [this](Peer&, const action::SessionDown&) { ++downs; };
    peer = std::make_unique<Peer>(io, config, session, callbacks);
  }

  uint16_t port() const { return listener.local_endpoint().port(); }

  // The connection the other side opened to us, waiting in our listen queue.
  tcp::socket AcceptQueued() {
    pollfd ready{listener.native_handle(), POLLIN, 0};
    // Bounds a broken set-up (the connect was made before); not a synchronization.
    if (poll(&ready, 1, 5000) != 1) FAIL("no connection queued on port " << port());
    return listener.accept();
  }

  bool established() const { return peer->state() == SessionState::kEstablished; }

  asio::io_context& io;
  uint32_t router_id;
  tcp::acceptor listener;
  std::unique_ptr<Peer> peer;
  int ups = 0;
  int downs = 0;
};

// Runs the io_context until `done` or kBound; returns `done`'s last answer.
template <typename F>
bool RunUntil(asio::io_context& io, F done) {
  const auto deadline = std::chrono::steady_clock::now() + kBound;
  while (!done() && std::chrono::steady_clock::now() < deadline) io.run_one_for(100ms);
  return done();
}

// Both connect and accept before either Peer runs; `first_sees_its_connect`: the first side's
// io runs its connect completion before it is handed the incoming connection (one side fast,
// the other slow), otherwise neither has (both slow).
void CrossConnections(uint32_t first_id, uint32_t second_id, bool first_sees_its_connect) {
  asio::io_context io;
  Side first(io, first_id);
  Side second(io, second_id);
  first.MakePeer(second.port());
  second.MakePeer(first.port());
  first.peer->Start();
  second.peer->Start();
  // Both connects are issued (Start runs Connect at once); let the handshakes finish in the
  // kernel: each is queued at the other's listener once accept() returns it.
  tcp::socket to_first = first.AcceptQueued();
  tcp::socket to_second = second.AcceptQueued();
  if (first_sees_its_connect) {
    REQUIRE(RunUntil(io, [&] { return first.peer->state() == SessionState::kOpenSent; }));
  }
  first.peer->Accept(std::move(to_first));
  second.peer->Accept(std::move(to_second));

  const bool up = RunUntil(io, [&] {
    return first.established() && second.established() && first.peer->live_connections() == 1 &&
           second.peer->live_connections() == 1;
  });
  INFO("first: " << SessionStateName(first.peer->state()) << " (" << first.peer->last_error()
                 << "), second: " << SessionStateName(second.peer->state()) << " ("
                 << second.peer->last_error() << ")");
  REQUIRE(up);
  CHECK(first.ups == 1);
  CHECK(second.ups == 1);
  CHECK(first.downs == 0);
  CHECK(second.downs == 0);
  // Both sessions run on the same connection: what one sends, the other receives.
  const uint64_t received = second.peer->messages_received();
  first.peer->Send(KeepaliveMessage{});
  CHECK(RunUntil(io, [&] { return second.peer->messages_received() > received; }));
  CHECK(first.established());
  CHECK(second.established());

  first.peer->Stop();
  second.peer->Stop();
  RunUntil(io, [&] {
    return first.peer->live_connections() == 0 && second.peer->live_connections() == 0;
  });
}

TEST_CASE("bgp peer: crossed connects, neither side has seen its connect complete", "[bgp]") {
  SECTION("lower identifier first") {
    CrossConnections(1, 2, false);
  }
  SECTION("higher identifier first") {
    CrossConnections(2, 1, false);
  }
}

TEST_CASE("bgp peer: crossed connects, one side has seen its connect complete", "[bgp]") {
  SECTION("that side has the lower identifier") {
    CrossConnections(1, 2, true);
  }
  SECTION("that side has the higher identifier") {
    CrossConnections(2, 1, true);
  }
}

// The other side scripted by hand: we (the lower identifier) have our session in OpenSent on
// the connection we opened and the peer's connection waiting as a collision candidate. The
// peer (higher identifier) keeps its own connection, so it ends ours with Cease / Connection
// Collision Resolution, and that Cease is read before the OPEN on its connection. The session
// must carry on over the candidate.
TEST_CASE("bgp peer: Cease on our connection before the candidate's OPEN: the candidate carries on",
          "[bgp]") {
  asio::io_context io;
  Side us(io, 1);
  tcp::acceptor peer_listener(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  us.MakePeer(peer_listener.local_endpoint().port());
  us.peer->Start();
  tcp::socket ours = peer_listener.accept();  // the peer's end of our connection
  REQUIRE(RunUntil(io, [&] { return us.peer->state() == SessionState::kOpenSent; }));
  tcp::socket theirs(io);  // the peer's connection to us
  theirs.connect(us.listener.local_endpoint());
  us.peer->Accept(us.AcceptQueued());

  const OpenMessage peer_open = MakeOpen(kAs, 9, 2, Capabilities{});
  asio::write(ours, asio::buffer(EncodeMessage(peer_open)));
  asio::write(ours, asio::buffer(EncodeMessage(NotificationMessage{
                        err::kCease, err::kConnectionCollisionResolution, {}})));
  // Both read by our session (OPEN, then Cease) before anything arrives on the candidate.
  REQUIRE(RunUntil(io, [&] { return us.peer->messages_received() == 2; }));
  asio::write(theirs, asio::buffer(EncodeMessage(peer_open)));
  CHECK(RunUntil(io, [&] { return us.peer->state() == SessionState::kOpenConfirm; }));
  asio::write(theirs, asio::buffer(EncodeMessage(KeepaliveMessage{})));
  CHECK(RunUntil(io, [&] { return us.established(); }));
  CHECK(us.ups == 1);

  us.peer->Stop();
  RunUntil(io, [&] { return us.peer->live_connections() == 0; });
}

}  // namespace
}  // namespace kr::bgp
