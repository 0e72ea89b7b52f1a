#include "services/routed/bgp/session_fsm.h"

#include <catch2/catch.hpp>

namespace kr::bgp {
namespace {

constexpr uint32_t kLocalId = 0xc0000201;  // 192.0.2.1
constexpr uint32_t kPeerId = 0xc0000202;   // 192.0.2.2

SessionConfig Config(bool passive = false) {
  SessionConfig c;
  c.local_as = 65001;
  c.router_id = kLocalId;
  c.peer_as = 65002;
  c.hold_time = 90;
  c.passive = passive;
  c.families = {kIpv4Unicast, kIpv6Unicast};
  return c;
}

template <typename A>
const A* Find(const std::vector<SessionAction>& actions) {
  for (const auto& a : actions) {
    if (const auto* found = std::get_if<A>(&a)) return found;
  }
  return nullptr;
}

const action::StartTimer* FindTimer(const std::vector<SessionAction>& actions, TimerKind kind) {
  for (const auto& a : actions) {
    const auto* t = std::get_if<action::StartTimer>(&a);
    if (t != nullptr && t->kind == kind) return t;
  }
  return nullptr;
}

const Message* FindSent(const std::vector<SessionAction>& actions) {
  const auto* send = Find<action::Send>(actions);
  return send == nullptr ? nullptr : &send->message;
}

event::Received Recv(Message m) {
  return event::Received{DecodedMessage{std::move(m), {}, false, {}}};
}

OpenMessage PeerOpen(uint16_t hold = 30, uint32_t asn = 65002, uint32_t id = kPeerId) {
  Capabilities caps;
  caps.multiprotocol = {kIpv4Unicast};
  caps.route_refresh = true;
  return MakeOpen(asn, hold, id, caps);
}

// Drives a fresh active FSM to Established.
SessionFsm Established() {
  SessionFsm fsm(Config());
  fsm.Handle(event::Start{});
  fsm.Handle(event::TcpEstablished{});
  fsm.Handle(Recv(PeerOpen()));
  fsm.Handle(Recv(KeepaliveMessage{}));
  return fsm;
}

TEST_CASE("bgp fsm: active start connects, sends OPEN, negotiates and establishes", "[bgp]") {
  SessionFsm fsm(Config());
  auto a = fsm.Handle(event::Start{});
  CHECK(fsm.state() == SessionState::kConnect);
  CHECK(Find<action::Connect>(a) != nullptr);
  REQUIRE(FindTimer(a, TimerKind::kConnectRetry) != nullptr);

  a = fsm.Handle(event::TcpEstablished{});
  CHECK(fsm.state() == SessionState::kOpenSent);
  const Message* sent = FindSent(a);
  REQUIRE(sent != nullptr);
  const auto& open = std::get<OpenMessage>(*sent);
  CHECK(open.PeerAs() == 65001);
  CHECK(open.hold_time == 90);
  CHECK(open.bgp_identifier == kLocalId);
  CHECK(open.capabilities.route_refresh);
  CHECK(open.capabilities.graceful_restart.has_value());
  CHECK(open.capabilities.Supports(kIpv6Unicast));
  REQUIRE(FindTimer(a, TimerKind::kHold) != nullptr);
  CHECK(FindTimer(a, TimerKind::kHold)->seconds == 240);

  a = fsm.Handle(Recv(PeerOpen(30)));
  CHECK(fsm.state() == SessionState::kOpenConfirm);
  REQUIRE(FindSent(a) != nullptr);
  CHECK(std::holds_alternative<KeepaliveMessage>(*FindSent(a)));
  REQUIRE(FindTimer(a, TimerKind::kHold) != nullptr);
  CHECK(FindTimer(a, TimerKind::kHold)->seconds == 30);  // the smaller hold time
  CHECK(FindTimer(a, TimerKind::kKeepalive)->seconds == 10);
  CHECK(fsm.negotiated().families == std::vector<AfiSafi>{kIpv4Unicast});
  CHECK(fsm.negotiated().codec.external_peer);
  CHECK(fsm.negotiated().codec.four_octet_as);

  a = fsm.Handle(Recv(KeepaliveMessage{}));
  CHECK(fsm.state() == SessionState::kEstablished);
  REQUIRE(Find<action::SessionUp>(a) != nullptr);
  CHECK(Find<action::SessionUp>(a)->session.peer_router_id == kPeerId);
}

TEST_CASE("bgp fsm: passive peer waits in Active and never connects", "[bgp]") {
  SessionFsm fsm(Config(true));
  auto a = fsm.Handle(event::Start{});
  CHECK(fsm.state() == SessionState::kActive);
  CHECK(Find<action::Connect>(a) == nullptr);
  a = fsm.Handle(event::TimerExpired{TimerKind::kConnectRetry});
  CHECK(Find<action::Connect>(a) == nullptr);
  a = fsm.Handle(event::TcpEstablished{});
  CHECK(fsm.state() == SessionState::kOpenSent);
  CHECK(FindSent(a) != nullptr);
}

TEST_CASE("bgp fsm: a restart with passive TCP takes the offered connection, connects later",
          "[bgp]") {
  SessionFsm fsm(Config());
  fsm.Handle(event::Start{});
  fsm.Handle(event::TcpEstablished{});
  fsm.Handle(event::TcpFailed{"reset"});
  REQUIRE(fsm.state() == SessionState::kIdle);
  // An incoming connection during the backoff: no connect of our own to race with it.
  auto a = fsm.Handle(event::Start{.passive_tcp = true});
  CHECK(fsm.state() == SessionState::kActive);
  CHECK(Find<action::Connect>(a) == nullptr);
  CHECK(FindTimer(a, TimerKind::kConnectRetry) != nullptr);
  a = fsm.Handle(event::TcpEstablished{});
  CHECK(fsm.state() == SessionState::kOpenSent);
  CHECK(FindSent(a) != nullptr);
  // Had that connection failed, the retry would connect as usual.
  fsm.Handle(event::TcpFailed{"reset"});
  fsm.Handle(event::Start{.passive_tcp = true});
  a = fsm.Handle(event::TimerExpired{TimerKind::kConnectRetry});
  CHECK(fsm.state() == SessionState::kConnect);
  CHECK(Find<action::Connect>(a) != nullptr);
}

TEST_CASE("bgp fsm: a wrong peer AS is refused with OPEN error Bad Peer AS", "[bgp]") {
  SessionFsm fsm(Config());
  fsm.Handle(event::Start{});
  fsm.Handle(event::TcpEstablished{});
  auto a = fsm.Handle(Recv(PeerOpen(30, 65099)));
  CHECK(fsm.state() == SessionState::kIdle);
  REQUIRE(FindSent(a) != nullptr);
  const auto& n = std::get<NotificationMessage>(*FindSent(a));
  CHECK(n.code == err::kOpenMessage);
  CHECK(n.subcode == err::kBadPeerAs);
  CHECK(Find<action::Disconnect>(a) != nullptr);
  CHECK(FindTimer(a, TimerKind::kConnectRetry) != nullptr);  // automatic restart
}

TEST_CASE("bgp fsm: hold timer expiry sends NOTIFICATION 4 and brings the session down", "[bgp]") {
  SessionFsm fsm = Established();
  auto a = fsm.Handle(event::TimerExpired{TimerKind::kHold});
  CHECK(fsm.state() == SessionState::kIdle);
  REQUIRE(FindSent(a) != nullptr);
  CHECK(std::get<NotificationMessage>(*FindSent(a)).code == err::kHoldTimerExpired);
  CHECK(Find<action::SessionDown>(a) != nullptr);
}

TEST_CASE("bgp fsm: keepalive timer sends KEEPALIVE and rearms; messages rearm hold", "[bgp]") {
  SessionFsm fsm = Established();
  auto a = fsm.Handle(event::TimerExpired{TimerKind::kKeepalive});
  REQUIRE(FindSent(a) != nullptr);
  CHECK(std::holds_alternative<KeepaliveMessage>(*FindSent(a)));
  CHECK(FindTimer(a, TimerKind::kKeepalive)->seconds == 10);
  a = fsm.Handle(Recv(UpdateMessage{}));
  CHECK(FindTimer(a, TimerKind::kHold)->seconds == 30);
  CHECK(Find<action::ApplyUpdate>(a) != nullptr);
}

TEST_CASE("bgp fsm: unexpected messages are FSM errors with the RFC 6608 subcode", "[bgp]") {
  SessionFsm fsm(Config());
  fsm.Handle(event::Start{});
  fsm.Handle(event::TcpEstablished{});
  auto a = fsm.Handle(Recv(UpdateMessage{}));
  REQUIRE(FindSent(a) != nullptr);
  CHECK(std::get<NotificationMessage>(*FindSent(a)).code == err::kFsm);
  CHECK(std::get<NotificationMessage>(*FindSent(a)).subcode == 1);

  SessionFsm up = Established();
  a = up.Handle(Recv(PeerOpen()));
  REQUIRE(FindSent(a) != nullptr);
  CHECK(std::get<NotificationMessage>(*FindSent(a)).subcode == 3);
}

TEST_CASE("bgp fsm: decode errors send the codec's NOTIFICATION", "[bgp]") {
  SessionFsm fsm = Established();
  auto a = fsm.Handle(event::ReceiveError{
      MakeDecodeError(err::kUpdateMessage, err::kMalformedAttributeList, {}, "test")});
  REQUIRE(FindSent(a) != nullptr);
  CHECK(std::get<NotificationMessage>(*FindSent(a)).subcode == err::kMalformedAttributeList);
  CHECK(fsm.state() == SessionState::kIdle);
}

TEST_CASE("bgp fsm: connect retry backs off exponentially up to the maximum", "[bgp]") {
  SessionConfig c = Config();
  c.connect_retry_seconds = 2;
  c.connect_retry_max_seconds = 10;
  SessionFsm fsm(c);
  fsm.Handle(event::Start{});
  std::vector<uint32_t> delays;
  for (int i = 0; i < 4; ++i) {
    fsm.Handle(event::TcpEstablished{});
    auto a = fsm.Handle(event::TcpFailed{"reset"});
    CHECK(fsm.state() == SessionState::kIdle);
    delays.push_back(FindTimer(a, TimerKind::kConnectRetry)->seconds);
    a = fsm.Handle(event::TimerExpired{TimerKind::kConnectRetry});
    CHECK(fsm.state() == SessionState::kConnect);
    CHECK(Find<action::Connect>(a) != nullptr);
  }
  CHECK(delays == std::vector<uint32_t>{4, 8, 10, 10});
}

TEST_CASE("bgp fsm: stop sends Cease and does not restart", "[bgp]") {
  SessionFsm fsm = Established();
  auto a = fsm.Handle(event::Stop{});
  REQUIRE(FindSent(a) != nullptr);
  CHECK(std::get<NotificationMessage>(*FindSent(a)).code == err::kCease);
  CHECK(FindTimer(a, TimerKind::kConnectRetry) == nullptr);
  a = fsm.Handle(event::TimerExpired{TimerKind::kConnectRetry});
  CHECK(fsm.state() == SessionState::kIdle);
  CHECK(a.empty());
}

TEST_CASE("bgp fsm: collision keeps the connection of the higher identifier", "[bgp]") {
  CHECK(KeepLocallyInitiated(kPeerId, kLocalId));
  CHECK_FALSE(KeepLocallyInitiated(kLocalId, kPeerId));
}

TEST_CASE("bgp fsm: a collision winner swapped in from OpenConfirm restarts at OpenSent", "[bgp]") {
  SessionFsm fsm(Config());
  fsm.Handle(event::Start{});
  fsm.Handle(event::TcpEstablished{});
  fsm.Handle(Recv(PeerOpen()));
  REQUIRE(fsm.state() == SessionState::kOpenConfirm);
  auto a = fsm.Handle(event::TcpEstablished{.open_already_sent = true});
  CHECK(fsm.state() == SessionState::kOpenSent);
  CHECK(FindSent(a) == nullptr);  // our OPEN went out on that connection already
  fsm.Handle(Recv(PeerOpen()));
  a = fsm.Handle(Recv(KeepaliveMessage{}));
  CHECK(fsm.state() == SessionState::kEstablished);
  CHECK(Find<action::SessionUp>(a) != nullptr);
}

TEST_CASE("bgp fsm: a second connection in Established is refused", "[bgp]") {
  SessionFsm fsm = Established();
  auto a = fsm.Handle(event::TcpEstablished{});
  CHECK(fsm.state() == SessionState::kEstablished);
  CHECK(Find<action::Disconnect>(a) != nullptr);
}

TEST_CASE("bgp fsm: after an Established session fails the backoff starts from the base", "[bgp]") {
  SessionFsm fsm = Established();
  auto a = fsm.Handle(Recv(NotificationMessage{err::kCease, err::kAdministrativeReset, {}}));
  CHECK(fsm.state() == SessionState::kIdle);
  CHECK(Find<action::SessionDown>(a) != nullptr);
  CHECK(FindSent(a) == nullptr);  // no NOTIFICATION in answer to one
  REQUIRE(FindTimer(a, TimerKind::kConnectRetry) != nullptr);
  CHECK(FindTimer(a, TimerKind::kConnectRetry)->seconds == Config().connect_retry_seconds);
}

TEST_CASE("bgp fsm: graceful restart capability carries R only after a restart, F per family",
          "[bgp]") {
  SessionConfig config = Config();
  config.graceful_restart_time = 90;
  config.restarted = true;
  config.forwarding_preserved = {kIpv4Unicast};
  SessionFsm fsm(config);
  const auto gr = fsm.LocalOpen().capabilities.graceful_restart;
  REQUIRE(gr);
  CHECK(gr->restarting);
  CHECK(gr->restart_time == 90);
  REQUIRE(gr->families.size() == 2);
  CHECK(gr->families[0] == GracefulRestartFamily{kIpv4Unicast, true});
  CHECK(gr->families[1] == GracefulRestartFamily{kIpv6Unicast, false});

  fsm.Handle(event::Start{});
  fsm.Handle(event::TcpEstablished{});
  fsm.Handle(Recv(PeerOpen()));
  fsm.Handle(Recv(KeepaliveMessage{}));
  REQUIRE(fsm.state() == SessionState::kEstablished);
  CHECK_FALSE(fsm.LocalOpen().capabilities.graceful_restart->restarting);
}

TEST_CASE("bgp fsm: SessionDown says whether a NOTIFICATION ended the session", "[bgp]") {
  SessionFsm broken = Established();
  auto a = broken.Handle(event::TcpFailed{"connection reset"});
  REQUIRE(Find<action::SessionDown>(a) != nullptr);
  CHECK_FALSE(Find<action::SessionDown>(a)->notification);

  SessionFsm notified = Established();
  a = notified.Handle(Recv(NotificationMessage{err::kCease, err::kAdministrativeReset, {}}));
  REQUIRE(Find<action::SessionDown>(a) != nullptr);
  CHECK(Find<action::SessionDown>(a)->notification);

  SessionFsm expired = Established();
  a = expired.Handle(event::TimerExpired{TimerKind::kHold});
  REQUIRE(Find<action::SessionDown>(a) != nullptr);
  CHECK(Find<action::SessionDown>(a)->notification);

  SessionFsm stopped = Established();
  a = stopped.Handle(event::Stop{});
  REQUIRE(Find<action::SessionDown>(a) != nullptr);
  CHECK(Find<action::SessionDown>(a)->notification);
}

}  // namespace
}  // namespace kr::bgp
