// The BGP session state machine of RFC 4271 section 8, as a pure function of events.
//
// SessionFsm does no I/O and reads no clock: the owner feeds it events (a timer fired, the
// transport connected or failed, a decoded message arrived) and executes the actions it
// returns, in order (open a connection, send a message, close, start or stop a timer, the
// session came up or went down, an UPDATE to apply). That keeps every transition testable
// with fake transports and fake timers (session_fsm_test.cpp); peer.h drives it on Asio.
//
// Connection collisions (RFC 4271 6.8) involve two connections and are resolved by the
// owner with ResolveCollision() below; the FSM sees only the connection that survives
// (event::TcpEstablished{.open_already_sent = true} when the owner swaps it in).
//
// After an error the FSM goes to Idle and restarts itself (automatic start) once the
// ConnectRetry timer fires; that delay doubles per consecutive failure up to a maximum and
// resets when a session reaches Established. Not thread-safe: one owner thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "services/routed/bgp/message.h"

namespace kr::bgp {

enum class SessionState : uint8_t {
  kIdle,
  kConnect,
  kActive,
  kOpenSent,
  kOpenConfirm,
  kEstablished
};
std::string_view SessionStateName(SessionState state);

enum class TimerKind : uint8_t { kConnectRetry, kHold, kKeepalive };

struct SessionConfig {
  uint32_t local_as = 0;
  uint32_t router_id = 0;  // BGP identifier, host order
  uint32_t peer_as = 0;
  uint16_t hold_time = 90;  // seconds we propose; 0 disables keepalives
  bool passive = false;     // never connect, only accept
  std::vector<AfiSafi> families = {kIpv4Unicast};
  bool route_refresh = true;
  // RFC 4724: advertised with restart_time and every session family; the F bit for the
  // families in forwarding_preserved, and the R bit until the first session is Established
  // when `restarted` (the speaker came back after a restart).
  bool graceful_restart = true;
  uint16_t graceful_restart_time = 120;
  bool restarted = false;
  std::vector<AfiSafi> forwarding_preserved;
  uint32_t connect_retry_seconds = 5;        // first delay; RFC 4271 suggests 120
  uint32_t connect_retry_max_seconds = 120;  // ceiling of the backoff
  uint32_t open_hold_seconds = 240;          // hold timer while waiting for the OPEN
};

// What both OPENs agreed on, valid from OpenConfirm on.
struct NegotiatedSession {
  uint32_t peer_as = 0;
  uint32_t peer_router_id = 0;
  uint16_t hold_time = 0;
  uint16_t keepalive_time = 0;
  std::vector<AfiSafi> families;  // in both OPENs (IPv4 unicast when neither sent MP)
  bool route_refresh = false;
  std::optional<GracefulRestartCapability> peer_graceful_restart;
  CodecOptions codec;
};

namespace event {
struct Start {
  // RFC 4271 event 5 (automatic start with passive TCP establishment): wait in Active for a
  // connection instead of opening one, because the owner is about to hand one over.
  bool passive_tcp = false;
};
struct Stop {};  // administrative: Cease / Administrative Shutdown, no automatic restart
struct TimerExpired {
  TimerKind kind;
};
struct TcpEstablished {
  bool open_already_sent = false;  // the owner swapped in a connection after a collision
};
struct TcpFailed {  // the connect failed or the connection closed
  std::string reason;
};
struct Received {
  DecodedMessage message;
};
struct ReceiveError {  // framing or decoding failed: send its NOTIFICATION
  DecodeError error;
};
}  // namespace event

using SessionEvent =
    std::variant<event::Start, event::Stop, event::TimerExpired, event::TcpEstablished,
                 event::TcpFailed, event::Received, event::ReceiveError>;

namespace action {
struct Connect {};     // open an outgoing TCP connection (drop any attempt in progress)
struct Disconnect {};  // close the connection after sending what is queued
struct Send {
  Message message;
};
struct StartTimer {
  TimerKind kind;
  uint32_t seconds;
};
struct StopTimer {
  TimerKind kind;
};
struct SessionUp {
  NegotiatedSession session;
};
struct SessionDown {  // only after SessionUp
  std::string reason;
  // A NOTIFICATION was sent or received (or the session was stopped): a graceful-restart
  // helper keeps the peer's routes only when the transport just broke (RFC 4724 4.2).
  bool notification = false;
};
struct ApplyUpdate {
  UpdateMessage update;
  std::optional<AfiSafi> end_of_rib;
};
struct RouteRefreshRequested {
  AfiSafi family;
};
}  // namespace action

using SessionAction =
    std::variant<action::Connect, action::Disconnect, action::Send, action::StartTimer,
                 action::StopTimer, action::SessionUp, action::SessionDown, action::ApplyUpdate,
                 action::RouteRefreshRequested>;

class SessionFsm {
 public:
  explicit SessionFsm(SessionConfig config) : config_(std::move(config)) {}

  std::vector<SessionAction> Handle(const SessionEvent& event);

  SessionState state() const { return state_; }
  const SessionConfig& config() const { return config_; }
  // Meaningful from OpenConfirm on.
  const NegotiatedSession& negotiated() const { return negotiated_; }
  uint32_t connect_retry_delay() const { return retry_delay_; }
  const std::string& last_error() const { return last_error_; }
  // Start seen and no Stop since (Idle then only waits to restart).
  bool started() const { return started_; }

  // The OPEN this FSM sends (also sent by the owner on a colliding connection).
  OpenMessage LocalOpen() const;

 private:
  using Actions = std::vector<SessionAction>;
  void OnStart(bool passive_tcp, Actions& out);
  void OnStop(Actions& out);
  void OnTimer(TimerKind kind, Actions& out);
  void OnTcpEstablished(bool open_already_sent, Actions& out);
  void OnTcpFailed(const std::string& reason, Actions& out);
  void OnReceived(const DecodedMessage& message, Actions& out);
  void OnOpen(const OpenMessage& open, Actions& out);
  // Sends `notification` (when connected), closes, goes to Idle and schedules a restart.
  // `notification_received`: the peer ended the session with one.
  void Fail(std::optional<NotificationMessage> notification, std::string reason, Actions& out,
            bool notification_received = false);
  void StopAllTimers(Actions& out);
  void ScheduleRestart(Actions& out);

  SessionConfig config_;
  SessionState state_ = SessionState::kIdle;
  bool started_ = false;                 // Start seen, no Stop since: Idle restarts on ConnectRetry
  bool restarting_ = config_.restarted;  // R bit in our OPEN
  uint32_t retry_delay_ = 0;
  NegotiatedSession negotiated_;
  std::string last_error_;
};

// RFC 4271 6.8: which of two connections to one peer survives. The connection the system
// with the higher BGP identifier opened is kept. Identifiers in host order.
inline bool KeepLocallyInitiated(uint32_t local_router_id, uint32_t remote_router_id) {
  return local_router_id > remote_router_id;
}

}  // namespace kr::bgp
