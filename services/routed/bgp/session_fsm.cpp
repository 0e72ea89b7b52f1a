#include "services/routed/bgp/session_fsm.h"

#include <algorithm>

namespace kr::bgp {
namespace {

// RFC 6608 FSM error subcodes: an unexpected message in the named state.
constexpr uint8_t kUnexpectedInOpenSent = 1;
constexpr uint8_t kUnexpectedInOpenConfirm = 2;
constexpr uint8_t kUnexpectedInEstablished = 3;

template <typename... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <typename... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

std::string_view SessionStateName(SessionState state) {
  switch (state) {
    case SessionState::kIdle:
      return "Idle";
    case SessionState::kConnect:
      return "Connect";
    case SessionState::kActive:
      return "Active";
    case SessionState::kOpenSent:
      return "OpenSent";
    case SessionState::kOpenConfirm:
      return "OpenConfirm";
    case SessionState::kEstablished:
      return "Established";
  }
  return "?";
}

OpenMessage SessionFsm::LocalOpen() const {
  Capabilities caps;
  caps.multiprotocol = config_.families;
  caps.route_refresh = config_.route_refresh;
  if (config_.graceful_restart) {
    GracefulRestartCapability gr{.restarting = restarting_,
                                 .notification = false,
                                 .restart_time = config_.graceful_restart_time,
                                 .families = {}};
    for (const AfiSafi& family : config_.families) {
      const auto& preserved = config_.forwarding_preserved;
      gr.families.push_back(
          {family, std::find(preserved.begin(), preserved.end(), family) != preserved.end()});
    }
    caps.graceful_restart = std::move(gr);
  }
  return MakeOpen(config_.local_as, config_.hold_time, config_.router_id, std::move(caps));
}

std::vector<SessionAction> SessionFsm::Handle(const SessionEvent& event) {
  Actions out;
  std::visit(
      Overloaded{
          [&](const event::Start& e) { OnStart(e.passive_tcp, out); },
          [&](const event::Stop&) { OnStop(out); },
          [&](const event::TimerExpired& e) { OnTimer(e.kind, out); },
          [&](const event::TcpEstablished& e) { OnTcpEstablished(e.open_already_sent, out); },
          [&](const event::TcpFailed& e) { OnTcpFailed(e.reason, out); },
          [&](const event::Received& e) { OnReceived(e.message, out); },
          [&](const event::ReceiveError& e) {
            if (state_ == SessionState::kIdle) return;
            Fail(e.error.notification,
                 "sent " + Describe(e.error.notification) + ": " + e.error.reason, out);
          },
      },
      event);
  return out;
}

void SessionFsm::OnStart(bool passive_tcp, Actions& out) {
  started_ = true;
  if (state_ != SessionState::kIdle) return;
  if (retry_delay_ == 0) retry_delay_ = config_.connect_retry_seconds;
  out.push_back(action::StartTimer{TimerKind::kConnectRetry, retry_delay_});
  if (config_.passive || passive_tcp) {
    state_ = SessionState::kActive;
  } else {
    state_ = SessionState::kConnect;
    out.push_back(action::Connect{});
  }
}

void SessionFsm::OnStop(Actions& out) {
  started_ = false;
  if (state_ == SessionState::kIdle) {
    StopAllTimers(out);
    return;
  }
  const bool connected = state_ == SessionState::kOpenSent ||
                         state_ == SessionState::kOpenConfirm ||
                         state_ == SessionState::kEstablished;
  if (connected) {
    out.push_back(action::Send{NotificationMessage{err::kCease, err::kAdministrativeShutdown, {}}});
  }
  if (state_ == SessionState::kEstablished) {
    out.push_back(action::SessionDown{"stopped", true});
  }
  out.push_back(action::Disconnect{});
  StopAllTimers(out);
  state_ = SessionState::kIdle;
  retry_delay_ = 0;
}

void SessionFsm::OnTimer(TimerKind kind, Actions& out) {
  switch (kind) {
    case TimerKind::kConnectRetry:
      if (state_ == SessionState::kIdle) {
        if (started_) OnStart(false, out);
      } else if (state_ == SessionState::kConnect || state_ == SessionState::kActive) {
        out.push_back(action::StartTimer{TimerKind::kConnectRetry, retry_delay_});
        if (!config_.passive) {
          state_ = SessionState::kConnect;
          out.push_back(action::Connect{});
        }
      }
      return;
    case TimerKind::kHold:
      if (state_ == SessionState::kOpenSent || state_ == SessionState::kOpenConfirm ||
          state_ == SessionState::kEstablished) {
        Fail(NotificationMessage{err::kHoldTimerExpired, 0, {}}, "hold timer expired", out);
      }
      return;
    case TimerKind::kKeepalive:
      if (state_ == SessionState::kOpenConfirm || state_ == SessionState::kEstablished) {
        out.push_back(action::Send{KeepaliveMessage{}});
        if (negotiated_.keepalive_time > 0) {
          out.push_back(action::StartTimer{TimerKind::kKeepalive, negotiated_.keepalive_time});
        }
      }
      return;
  }
}

void SessionFsm::OnTcpEstablished(bool open_already_sent, Actions& out) {
  const bool replacing = open_already_sent && (state_ == SessionState::kOpenSent ||
                                               state_ == SessionState::kOpenConfirm);
  if (state_ != SessionState::kConnect && state_ != SessionState::kActive && !replacing) {
    // Idle refuses connections; later states have one already (the owner resolves
    // collisions before telling us).
    out.push_back(action::Disconnect{});
    return;
  }
  out.push_back(action::StopTimer{TimerKind::kConnectRetry});
  out.push_back(action::StopTimer{TimerKind::kKeepalive});
  if (!open_already_sent) out.push_back(action::Send{LocalOpen()});
  out.push_back(action::StartTimer{TimerKind::kHold, config_.open_hold_seconds});
  state_ = SessionState::kOpenSent;
}

void SessionFsm::OnTcpFailed(const std::string& reason, Actions& out) {
  switch (state_) {
    case SessionState::kIdle:
      return;
    case SessionState::kConnect:
    case SessionState::kActive:
      // The ConnectRetry timer is still running and will try again.
      last_error_ = reason;
      state_ = SessionState::kActive;
      return;
    case SessionState::kOpenSent:
    case SessionState::kOpenConfirm:
    case SessionState::kEstablished:
      Fail(std::nullopt, reason, out);
      return;
  }
}

void SessionFsm::OnReceived(const DecodedMessage& decoded, Actions& out) {
  if (state_ == SessionState::kIdle || state_ == SessionState::kConnect ||
      state_ == SessionState::kActive) {
    return;  // no connection the FSM knows of
  }
  const Message& message = decoded.message;
  if (const auto* notification = std::get_if<NotificationMessage>(&message)) {
    Fail(std::nullopt, "received " + Describe(*notification), out, true);
    return;
  }
  const uint8_t unexpected = state_ == SessionState::kOpenSent      ? kUnexpectedInOpenSent
                             : state_ == SessionState::kOpenConfirm ? kUnexpectedInOpenConfirm
                                                                    : kUnexpectedInEstablished;
  if (const auto* open = std::get_if<OpenMessage>(&message)) {
    if (state_ != SessionState::kOpenSent) {
      Fail(NotificationMessage{err::kFsm, unexpected, {}}, "unexpected OPEN", out);
      return;
    }
    OnOpen(*open, out);
    return;
  }
  if (std::holds_alternative<KeepaliveMessage>(message)) {
    if (state_ == SessionState::kOpenSent) {
      Fail(NotificationMessage{err::kFsm, unexpected, {}}, "KEEPALIVE before OPEN", out);
      return;
    }
    if (negotiated_.hold_time > 0) {
      out.push_back(action::StartTimer{TimerKind::kHold, negotiated_.hold_time});
    }
    if (state_ == SessionState::kOpenConfirm) {
      state_ = SessionState::kEstablished;
      retry_delay_ = 0;  // the next failure starts the backoff afresh
      last_error_.clear();
      restarting_ = false;
      out.push_back(action::SessionUp{negotiated_});
    }
    return;
  }
  if (state_ != SessionState::kEstablished) {
    Fail(NotificationMessage{err::kFsm, unexpected, {}}, "unexpected message before Established",
         out);
    return;
  }
  if (negotiated_.hold_time > 0) {
    out.push_back(action::StartTimer{TimerKind::kHold, negotiated_.hold_time});
  }
  if (const auto* update = std::get_if<UpdateMessage>(&message)) {
    out.push_back(action::ApplyUpdate{*update, decoded.end_of_rib});
  } else if (const auto* refresh = std::get_if<RouteRefreshMessage>(&message)) {
    out.push_back(action::RouteRefreshRequested{refresh->family});
  }
}

void SessionFsm::OnOpen(const OpenMessage& open, Actions& out) {
  OpenExpectations expect;
  expect.local_as = config_.local_as;
  expect.local_identifier = config_.router_id;
  expect.peer_as = config_.peer_as;
  if (auto error = ValidateOpen(open, expect)) {
    Fail(error->notification, "rejected OPEN: " + error->reason, out);
    return;
  }
  NegotiatedSession n;
  n.peer_as = open.PeerAs();
  n.peer_router_id = open.bgp_identifier;
  n.hold_time = NegotiatedHoldTime(config_.hold_time, open.hold_time);
  n.keepalive_time = static_cast<uint16_t>(n.hold_time / 3);
  const bool peer_mp = !open.capabilities.multiprotocol.empty();
  for (const AfiSafi& family : config_.families) {
    const bool peer_has = peer_mp ? open.capabilities.Supports(family) : family == kIpv4Unicast;
    if (peer_has) n.families.push_back(family);
  }
  n.route_refresh = config_.route_refresh && open.capabilities.route_refresh;
  n.peer_graceful_restart = open.capabilities.graceful_restart;
  n.codec.four_octet_as = open.capabilities.four_octet_as.has_value();
  n.codec.external_peer = n.peer_as != config_.local_as;
  if (n.codec.external_peer) n.codec.enforce_first_as = n.peer_as;
  negotiated_ = std::move(n);

  out.push_back(action::Send{KeepaliveMessage{}});
  if (negotiated_.hold_time > 0) {
    out.push_back(action::StartTimer{TimerKind::kHold, negotiated_.hold_time});
    out.push_back(action::StartTimer{TimerKind::kKeepalive, negotiated_.keepalive_time});
  } else {
    out.push_back(action::StopTimer{TimerKind::kHold});
  }
  state_ = SessionState::kOpenConfirm;
}

void SessionFsm::Fail(std::optional<NotificationMessage> notification, std::string reason,
                      Actions& out, bool notification_received) {
  const bool notified = notification_received || notification.has_value();
  if (notification) out.push_back(action::Send{std::move(*notification)});
  if (state_ == SessionState::kEstablished) {
    out.push_back(action::SessionDown{reason, notified});
  }
  out.push_back(action::Disconnect{});
  StopAllTimers(out);
  last_error_ = std::move(reason);
  state_ = SessionState::kIdle;
  ScheduleRestart(out);
}

void SessionFsm::StopAllTimers(Actions& out) {
  out.push_back(action::StopTimer{TimerKind::kConnectRetry});
  out.push_back(action::StopTimer{TimerKind::kHold});
  out.push_back(action::StopTimer{TimerKind::kKeepalive});
}

void SessionFsm::ScheduleRestart(Actions& out) {
  if (!started_) return;
  retry_delay_ = retry_delay_ == 0 ? config_.connect_retry_seconds
                                   : std::min(retry_delay_ * 2, config_.connect_retry_max_seconds);
  out.push_back(action::StartTimer{TimerKind::kConnectRetry, retry_delay_});
}

}  // namespace kr::bgp
