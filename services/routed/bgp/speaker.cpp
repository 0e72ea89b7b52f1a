#include "services/routed/bgp/speaker.h"

#include <future>

#include "services/routed/bgp/socket_options.h"

namespace kr::bgp {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

IpAddress FromAsio(const asio::ip::address& address) {
  if (address.is_v4()) return IpAddress::V4(address.to_v4().to_uint());
  if (address.to_v6().is_v4_mapped()) {
    return IpAddress::V4(asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_uint());
  }
  return *IpAddress::FromBytes(address.to_v6().to_bytes());
}

asio::ip::address ToAsio(const IpAddress& address) {
  if (address.is_v4()) return asio::ip::address_v4(address.v4());
  asio::ip::address_v6::bytes_type bytes;
  std::copy(address.bytes().begin(), address.bytes().end(), bytes.begin());
  return asio::ip::address_v6(bytes);
}

// Groups routes for one peer into UPDATEs: withdrawals per family in one message each,
// announcements one message per prefix (simple; attribute sharing can come later).
std::vector<UpdateMessage> ToUpdates(const std::vector<const OutgoingRoute*>& routes) {
  std::vector<UpdateMessage> updates;
  UpdateMessage withdraw_v4;
  MpUnreachNlri withdraw_v6{kIpv6Unicast, {}};
  for (const OutgoingRoute* r : routes) {
    if (!r->attributes) {
      if (r->prefix.family() == IpFamily::kIpv4) {
        withdraw_v4.withdrawn.push_back(r->prefix);
      } else {
        withdraw_v6.withdrawn.push_back(r->prefix);
      }
      continue;
    }
    UpdateMessage u;
    u.attributes = *r->attributes;
    if (r->prefix.family() == IpFamily::kIpv4) {
      u.nlri.push_back(r->prefix);
    } else {
      u.attributes.next_hop.reset();
      u.mp_reach = MpReachNlri{kIpv6Unicast, r->next_hop, std::nullopt, {r->prefix}};
    }
    updates.push_back(std::move(u));
  }
  if (!withdraw_v4.withdrawn.empty()) updates.push_back(std::move(withdraw_v4));
  if (!withdraw_v6.withdrawn.empty()) {
    UpdateMessage u;
    u.mp_unreach = std::move(withdraw_v6);
    updates.push_back(std::move(u));
  }
  return updates;
}

}  // namespace

Speaker::Speaker(SpeakerConfig config)
    : config_(std::move(config)),
      acceptor_(io_),
      drain_timer_(io_),
      rib_(config_.local_as, config_.router_id) {}

Expected<std::unique_ptr<Speaker>> Speaker::Create(SpeakerConfig config) {
  std::unique_ptr<Speaker> speaker(new Speaker(std::move(config)));
  if (speaker->config_.listen_address) {
    if (Status s = speaker->Listen(); !s) return s.error();
  }
  for (size_t i = 0; i < speaker->config_.peers.size(); ++i) {
    const PeerConfig& pc = speaker->config_.peers[i];
    SessionConfig session;
    session.local_as = speaker->config_.local_as;
    session.router_id = speaker->config_.router_id;
    session.peer_as = pc.peer_as;
    session.hold_time = speaker->config_.hold_time;
    session.passive = pc.passive;
    session.families = pc.families;
    session.connect_retry_seconds = speaker->config_.connect_retry_seconds;
    Speaker* self = speaker.get();
    Peer::Callbacks callbacks{
        .up = [self, i](Peer&) { self->OnUp(i); },
        .down = [self, i](Peer&) { self->OnDown(i); },
        .update = [self, i](Peer&, const UpdateMessage& u) { self->OnUpdate(i, u); },
        .route_refresh =
            [self, i](Peer&, AfiSafi) {
              // Resend what this peer was sent (its Adj-RIB-Out).
              std::vector<const OutgoingRoute*> routes;
              auto sent = self->rib_.AdjRibOut(static_cast<PeerId>(i + 1));
              for (const auto& r : sent) routes.push_back(&r);
              for (const auto& u : ToUpdates(routes)) self->peers_[i]->Send(u);
            },
    };
    speaker->peers_.push_back(
        std::make_unique<Peer>(speaker->io_, pc, std::move(session), std::move(callbacks)));
  }
  asio::post(speaker->io_, [self = speaker.get()] {
    for (auto& peer : self->peers_) peer->Start();
  });
  speaker->thread_ = std::thread([self = speaker.get()] {
    auto guard = asio::make_work_guard(self->io_);
    self->io_.run();
  });
  return speaker;
}

Speaker::~Speaker() {
  if (thread_.joinable()) {
    asio::post(io_, [this] {
      for (auto& peer : peers_) peer->Stop();
      boost::system::error_code ec;
      acceptor_.close(ec);
      // The Cease NOTIFICATIONs are queued; give them a moment to leave.
      StopWhenDrained(std::chrono::steady_clock::now() + std::chrono::seconds(1));
    });
    thread_.join();
  }
}

Status Speaker::Listen() {
  const tcp::endpoint endpoint(ToAsio(*config_.listen_address), config_.port);
  boost::system::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (ec) return Error{ec.value(), "bgp listener socket: " + ec.message()};
  for (const PeerConfig& pc : config_.peers) {
    if (pc.md5_password.empty() || pc.address.family() != config_.listen_address->family()) {
      continue;
    }
    if (Status s = SetTcpMd5Key(acceptor_.native_handle(), pc.address, pc.md5_password); !s) {
      return s;
    }
  }
  acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error{ec.value(), "bgp listen on " + config_.listen_address->ToString() + " port " +
                                 std::to_string(config_.port) + ": " + ec.message()};
  }
  AcceptNext();
  return Status::Ok();
}

void Speaker::AcceptNext() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      boost::system::error_code ep_ec;
      const IpAddress remote = FromAsio(socket.remote_endpoint(ep_ec).address());
      bool taken = false;
      for (auto& peer : peers_) {
        if (!ep_ec && peer->config().address == remote) {
          if (peer->config().ttl) {
            (void)SetOutgoingTtl(socket.native_handle(), remote.family(), *peer->config().ttl);
          }
          peer->Accept(std::move(socket));
          taken = true;
          break;
        }
      }
      if (!taken) socket.close(ep_ec);  // not a configured neighbour
    }
    AcceptNext();
  });
}

void Speaker::OnUp(size_t index) {
  Peer& peer = *peers_[index];
  RibPeer rp;
  rp.id = static_cast<PeerId>(index + 1);
  rp.peer_as = peer.negotiated().peer_as;
  rp.router_id = peer.negotiated().peer_router_id;
  rp.address = peer.config().address;
  rp.ibgp = rp.peer_as == config_.local_as;
  rp.families = peer.negotiated().families;
  if (auto local = peer.local_address()) {
    (local->is_v4() ? rp.local_v4 : rp.local_v6) = *local;
  }
  if (auto other = peer.config().other_family_next_hop) {
    (other->is_v4() ? rp.local_v4 : rp.local_v6) = *other;
  }
  Send(rib_.PeerUp(rp));
}

void Speaker::OnDown(size_t index) {
  Send(rib_.PeerDown(static_cast<PeerId>(index + 1)));
}

void Speaker::OnUpdate(size_t index, const UpdateMessage& update) {
  Send(rib_.Apply(static_cast<PeerId>(index + 1), update));
}

void Speaker::Send(const std::vector<OutgoingRoute>& routes) {
  for (size_t i = 0; i < peers_.size(); ++i) {
    std::vector<const OutgoingRoute*> mine;
    for (const OutgoingRoute& r : routes) {
      if (r.to == i + 1) mine.push_back(&r);
    }
    if (mine.empty()) continue;
    for (const UpdateMessage& u : ToUpdates(mine)) peers_[i]->Send(u);
  }
}

void Speaker::StopWhenDrained(std::chrono::steady_clock::time_point deadline) {
  size_t live = 0;
  for (const auto& peer : peers_) live += peer->live_connections();
  if (live == 0 || std::chrono::steady_clock::now() >= deadline) {
    io_.stop();
    return;
  }
  drain_timer_.expires_after(std::chrono::milliseconds(10));
  drain_timer_.async_wait(
      [this, deadline](boost::system::error_code) { StopWhenDrained(deadline); });
}

template <typename F>
auto Speaker::Query(F fn) -> decltype(fn()) {
  std::promise<decltype(fn())> result;
  asio::post(io_, [&] { result.set_value(fn()); });
  return result.get_future().get();
}

void Speaker::Originate(const IpPrefix& prefix) {
  asio::post(io_, [this, prefix] { Send(rib_.Originate(prefix)); });
}

void Speaker::Withdraw(const IpPrefix& prefix) {
  asio::post(io_, [this, prefix] { Send(rib_.WithdrawLocal(prefix)); });
}

std::vector<NeighborStatus> Speaker::Neighbors() {
  return Query([this] {
    std::vector<NeighborStatus> out;
    for (size_t i = 0; i < peers_.size(); ++i) {
      const Peer& p = *peers_[i];
      out.push_back(NeighborStatus{p.config().address, p.config().peer_as, p.state(),
                                   rib_.received_count(static_cast<PeerId>(i + 1)),
                                   rib_.AdjRibOut(static_cast<PeerId>(i + 1)).size(),
                                   p.last_error()});
    }
    return out;
  });
}

std::vector<RibRoute> Speaker::LocRib() {
  return Query([this] { return rib_.LocRib(); });
}

}  // namespace kr::bgp
