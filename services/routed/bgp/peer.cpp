#include "services/routed/bgp/peer.h"

#include <array>
#include <deque>

#include "services/routed/bgp/socket_options.h"
#include "services/routed/bgp/stream_decoder.h"

namespace kr::bgp {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

template <typename... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <typename... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

IpAddress FromAsio(const asio::ip::address& address) {
  if (address.is_v4()) return IpAddress::V4(address.to_v4().to_uint());
  if (address.to_v6().is_v4_mapped()) {
    return IpAddress::V4(asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_uint());
  }
  auto bytes = address.to_v6().to_bytes();
  return *IpAddress::FromBytes(bytes);
}

asio::ip::address ToAsio(const IpAddress& address) {
  if (address.is_v4()) return asio::ip::address_v4(address.v4());
  asio::ip::address_v6::bytes_type bytes;
  std::copy(address.bytes().begin(), address.bytes().end(), bytes.begin());
  return asio::ip::address_v6(bytes);
}

}  // namespace

struct Peer::Connection {
  Connection(asio::io_context& io, bool outgoing, std::shared_ptr<size_t> live)
      : socket(io), outgoing(outgoing), live(std::move(live)) {
    ++*this->live;
  }
  ~Connection() { --*live; }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  tcp::socket socket;
  bool outgoing;
  StreamDecoder decoder;
  std::array<uint8_t, 65536> read_buffer;
  std::deque<std::vector<uint8_t>> queue;
  bool writing = false;
  bool closing = false;
  bool connect_handled = false;  // outgoing: TcpEstablished dispatched (maybe before the handler)
  std::shared_ptr<size_t> live;
};

Peer::Peer(asio::io_context& io, PeerConfig config, SessionConfig session, Callbacks callbacks)
    : io_(io),
      config_(std::move(config)),
      fsm_(std::move(session)),
      callbacks_(std::move(callbacks)),
      timers_{asio::steady_timer(io), asio::steady_timer(io), asio::steady_timer(io)} {}

Peer::~Peer() = default;

void Peer::Start() {
  Dispatch(event::Start{});
}
void Peer::Stop() {
  Dispatch(event::Stop{});
  if (candidate_) {
    CloseAfterWrite(candidate_);
    candidate_.reset();
  }
}

void Peer::Dispatch(const SessionEvent& event) {
  for (const SessionAction& action : fsm_.Handle(event)) Execute(action);
  if (candidate_ && !connection_ && fsm_.started()) {
    // The session's connection failed (say, the peer closed it with Cease / Connection
    // Collision Resolution because it chose the other one) while a colliding connection
    // waits: that one carries the session on.
    AdoptCandidate({});
  }
}

void Peer::AdoptCandidate(std::vector<DecodedMessage> messages) {
  ConnectionPtr candidate = std::move(candidate_);
  candidate_.reset();
  candidate_messages_.clear();
  if (fsm_.state() == SessionState::kIdle) Dispatch(event::Start{.passive_tcp = true});
  connection_ = candidate;
  boost::system::error_code ec;
  local_address_ = FromAsio(candidate->socket.local_endpoint(ec).address());
  Dispatch(event::TcpEstablished{.open_already_sent = true});
  for (DecodedMessage& message : messages) {
    if (connection_ != candidate) return;
    Dispatch(event::Received{std::move(message)});
  }
}

void Peer::Execute(const SessionAction& action) {
  std::visit(Overloaded{
                 [&](const action::Connect&) { Connect(); },
                 [&](const action::Disconnect&) {
                   if (connection_) CloseAfterWrite(connection_);
                   connection_.reset();
                 },
                 [&](const action::Send& a) {
                   if (connection_)
                     Write(connection_, EncodeMessage(a.message, negotiated().codec));
                 },
                 [&](const action::StartTimer& a) { StartTimer(a.kind, a.seconds); },
                 [&](const action::StopTimer& a) { StopTimer(a.kind); },
                 [&](const action::SessionUp&) {
                   if (callbacks_.up) callbacks_.up(*this);
                 },
                 [&](const action::SessionDown& a) {
                   if (callbacks_.down) callbacks_.down(*this, a);
                 },
                 [&](const action::ApplyUpdate& a) {
                   if (callbacks_.update) callbacks_.update(*this, a.update, a.end_of_rib);
                 },
                 [&](const action::RouteRefreshRequested& a) {
                   if (callbacks_.route_refresh) callbacks_.route_refresh(*this, a.family);
                 },
             },
             action);
}

void Peer::Connect() {
  if (connection_) CloseAfterWrite(connection_);
  auto connection = std::make_shared<Connection>(io_, true, live_connections_);
  connection_ = connection;
  const tcp::endpoint remote(ToAsio(config_.address), config_.port);
  boost::system::error_code ec;
  connection->socket.open(remote.protocol(), ec);
  std::string failure;
  if (ec) failure = "socket: " + ec.message();
  const int fd = connection->socket.native_handle();
  if (failure.empty() && !config_.md5_password.empty()) {
    if (Status s = SetTcpMd5Key(fd, config_.address, config_.md5_password); !s) {
      failure = s.error().message;
    }
  }
  if (failure.empty() && config_.ttl) {
    if (Status s = SetOutgoingTtl(fd, config_.address.family(), *config_.ttl); !s) {
      failure = s.error().message;
    }
  }
  if (failure.empty() && config_.local_address) {
    connection->socket.bind(tcp::endpoint(ToAsio(*config_.local_address), 0), ec);
    if (ec) failure = "bind: " + ec.message();
  }
  if (!failure.empty()) {
    // Reported asynchronously, like a refused connect, so the FSM is not re-entered.
    asio::post(io_, [this, connection, failure] {
      if (connection == connection_) OnConnectionLost(connection, failure);
    });
    return;
  }
  connection->socket.async_connect(remote, [this, connection](boost::system::error_code error) {
    if (connection != connection_ || connection->connect_handled) return;
    if (error) {
      OnConnectionLost(connection, "connect: " + error.message());
      return;
    }
    OnConnected(connection);
  });
}

void Peer::OnConnected(const ConnectionPtr& connection) {
  connection->connect_handled = true;
  boost::system::error_code ec;
  local_address_ = FromAsio(connection->socket.local_endpoint(ec).address());
  Dispatch(event::TcpEstablished{});
  StartReading(connection);
}

bool Peer::OutgoingConnected() const {
  if (!connection_ || !connection_->outgoing || connection_->connect_handled) return false;
  boost::system::error_code ec;
  connection_->socket.remote_endpoint(ec);  // getpeername: fails until the handshake is done
  return !ec;
}

void Peer::Accept(tcp::socket socket) {
  auto connection = std::make_shared<Connection>(io_, false, live_connections_);
  connection->socket = std::move(socket);
  if (fsm_.state() == SessionState::kIdle && fsm_.started()) {
    // Waiting out the backoff after a failure: restart now and take the connection (RFC 4271
    // 8.1.1, automatic start with passive TCP establishment). Refusing it instead lets two
    // backing-off speakers miss each other for ever longer.
    Dispatch(event::Start{.passive_tcp = true});
  }
  if (fsm_.state() == SessionState::kConnect && OutgoingConnected()) {
    // Our connect has completed in the kernel, so the peer may already have accepted it and
    // dropped its own attempt (this one) for it. Dropping ours too would leave both sides
    // without a session, retrying in lockstep. Take ours up first; the incoming connection
    // then collides in OpenSent below and the BGP identifiers pick the survivor on both sides.
    // Conversely, while ours is still handshaking the peer cannot hold it yet, so giving it up
    // for the peer's connection is safe.
    OnConnected(connection_);
  }
  const SessionState state = fsm_.state();
  if (state == SessionState::kConnect || state == SessionState::kActive) {
    if (connection_) CloseAfterWrite(connection_);  // drop our own connect attempt
    connection_ = connection;
    boost::system::error_code ec;
    local_address_ = FromAsio(connection->socket.local_endpoint(ec).address());
    Dispatch(event::TcpEstablished{});
    StartReading(connection);
    return;
  }
  if ((state == SessionState::kOpenSent || state == SessionState::kOpenConfirm) && !candidate_) {
    // Collision: answer with our OPEN and wait for the peer's, which names its identifier.
    candidate_ = connection;
    candidate_messages_.clear();
    Write(connection, EncodeMessage(fsm_.LocalOpen()));
    StartReading(connection);
    return;
  }
  // Idle refuses; Established keeps its session (RFC 4271 6.8).
  if (state != SessionState::kIdle) {
    Write(connection,
          EncodeMessage(NotificationMessage{err::kCease, err::kConnectionCollisionResolution, {}}));
  }
  CloseAfterWrite(connection);
}

void Peer::Send(const Message& message) {
  if (fsm_.state() != SessionState::kEstablished || !connection_) return;
  Write(connection_, EncodeMessage(message, negotiated().codec));
}

void Peer::StartTimer(TimerKind kind, uint32_t seconds) {
  const auto index = static_cast<size_t>(kind);
  const uint64_t generation = ++timer_generation_[index];
  timers_[index].expires_after(std::chrono::seconds(seconds));
  timers_[index].async_wait([this, kind, index, generation](boost::system::error_code ec) {
    if (ec || generation != timer_generation_[index]) return;
    Dispatch(event::TimerExpired{kind});
  });
}

void Peer::StopTimer(TimerKind kind) {
  const auto index = static_cast<size_t>(kind);
  ++timer_generation_[index];
  timers_[index].cancel();
}

void Peer::StartReading(const ConnectionPtr& connection) {
  connection->socket.async_read_some(
      asio::buffer(connection->read_buffer),
      [this, connection](boost::system::error_code ec, size_t n) {
        if (connection->closing) return;
        if (connection != connection_ && connection != candidate_) return;
        if (ec) {
          OnConnectionLost(connection, ec == asio::error::eof ? "connection closed by peer"
                                                              : "read: " + ec.message());
          return;
        }
        connection->decoder.Feed(std::span<const uint8_t>(connection->read_buffer.data(), n));
        OnFrames(connection);
        if (!connection->closing && (connection == connection_ || connection == candidate_)) {
          StartReading(connection);
        }
      });
}

void Peer::OnFrames(const ConnectionPtr& connection) {
  for (;;) {
    if (connection != connection_ && connection != candidate_) return;
    StreamDecoder::Frame frame = connection->decoder.Next();
    if (frame.status == StreamDecoder::Status::kNeedMore) return;
    std::optional<DecodeResult<DecodedMessage>> decoded;
    if (frame.status == StreamDecoder::Status::kMessage) {
      decoded.emplace(DecodeMessage(frame.bytes, negotiated().codec));
    }
    if (connection == candidate_) {
      if (!decoded || !decoded->ok()) {
        CloseAfterWrite(candidate_);
        candidate_.reset();
        return;
      }
      candidate_messages_.push_back(std::move(decoded->value()));
      if (const auto* open = std::get_if<OpenMessage>(&candidate_messages_.front().message)) {
        OnCandidateOpen(*open, std::move(candidate_messages_));
      } else {
        CloseAfterWrite(candidate_);
        candidate_.reset();
      }
      candidate_messages_.clear();
      continue;
    }
    ++messages_received_;
    if (!decoded) {
      Dispatch(event::ReceiveError{*frame.error});
      return;
    }
    if (!decoded->ok()) {
      Dispatch(event::ReceiveError{decoded->error()});
      return;
    }
    Dispatch(event::Received{std::move(decoded->value())});
  }
}

void Peer::OnCandidateOpen(const OpenMessage& open, std::vector<DecodedMessage> messages) {
  const bool current_is_ours = connection_ && connection_->outgoing;
  const bool keep_current =
      connection_ && (fsm_.state() == SessionState::kEstablished ||
                      !current_is_ours ||  // both incoming: keep the first
                      KeepLocallyInitiated(fsm_.config().router_id, open.bgp_identifier));
  const NotificationMessage cease{err::kCease, err::kConnectionCollisionResolution, {}};
  if (keep_current) {
    Write(candidate_, EncodeMessage(cease));
    CloseAfterWrite(candidate_);
    candidate_.reset();
    candidate_messages_.clear();
    return;
  }
  if (connection_) {
    Write(connection_, EncodeMessage(cease));
    CloseAfterWrite(connection_);
    connection_.reset();
  }
  AdoptCandidate(std::move(messages));
}

void Peer::OnConnectionLost(const ConnectionPtr& connection, const std::string& reason) {
  if (connection == candidate_) {
    CloseAfterWrite(candidate_);
    candidate_.reset();
    return;
  }
  if (connection != connection_) return;
  CloseAfterWrite(connection_);
  connection_.reset();
  Dispatch(event::TcpFailed{reason});
}

void Peer::Write(const ConnectionPtr& connection, std::vector<uint8_t> bytes) {
  if (connection->closing) return;
  if (connection == connection_) ++messages_sent_;
  connection->queue.push_back(std::move(bytes));
  Flush(connection);
}

void Peer::Flush(const ConnectionPtr& connection) {
  if (connection->writing) return;
  if (connection->queue.empty()) {
    if (connection->closing) {
      boost::system::error_code ec;
      connection->socket.shutdown(tcp::socket::shutdown_both, ec);
      connection->socket.close(ec);
    }
    return;
  }
  connection->writing = true;
  asio::async_write(connection->socket, asio::buffer(connection->queue.front()),
                    [this, connection](boost::system::error_code ec, size_t) {
                      connection->writing = false;
                      connection->queue.pop_front();
                      if (ec) {
                        connection->queue.clear();
                        connection->closing = true;
                        if (connection == connection_ || connection == candidate_) {
                          OnConnectionLost(connection, "write: " + ec.message());
                        }
                      }
                      Flush(connection);
                    });
}

void Peer::CloseAfterWrite(const ConnectionPtr& connection) {
  if (connection->closing && !connection->writing && connection->queue.empty()) return;
  connection->closing = true;
  Flush(connection);
}

}  // namespace kr::bgp
