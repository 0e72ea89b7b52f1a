#include "services/routed/bgp/speaker.h"

#include <algorithm>
#include <future>

#include "services/routed/bgp/socket_options.h"
#include "services/routed/bgp/update_packer.h"

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

std::vector<std::string> CapabilityNames(const NegotiatedSession& n, bool graceful_restart) {
  std::vector<std::string> names;
  for (const AfiSafi& family : n.families) names.push_back(family.ToString());
  if (n.route_refresh) names.push_back("route-refresh");
  if (n.codec.four_octet_as) names.push_back("4-octet-as");
  if (graceful_restart && n.peer_graceful_restart) names.push_back("graceful-restart");
  return names;
}

}  // namespace

Speaker::Speaker(SpeakerConfig config)
    : config_(std::move(config)),
      acceptor_(io_),
      drain_timer_(io_),
      reap_timer_(io_),
      rib_(config_.local_as, config_.router_id, config_.cluster_id) {}

Expected<std::unique_ptr<Speaker>> Speaker::Create(SpeakerConfig config) {
  std::unique_ptr<Speaker> speaker(new Speaker(std::move(config)));
  if (speaker->config_.listen_address) {
    if (Status s = speaker->Listen(); !s) return s.error();
  }
  speaker->Tick();
  speaker->rib_.TrackLocRibChanges(speaker->config_.track_loc_rib_changes);
  for (const IpPrefix& prefix : speaker->config_.originate) speaker->rib_.Originate(prefix);
  speaker->PublishLocRib();
  speaker->notified_generation_ = speaker->rib_.generation();
  std::vector<PeerConfig> peers = std::move(speaker->config_.peers);
  speaker->config_.peers.clear();
  for (PeerConfig& pc : peers) {
    if (Status s = speaker->StartPeer(std::move(pc)); !s) return s.error();
  }
  speaker->thread_ = std::thread([self = speaker.get()] {
    auto guard = asio::make_work_guard(self->io_);
    self->io_.run();
  });
  return speaker;
}

Speaker::~Speaker() {
  if (thread_.joinable()) {
    asio::post(io_, [this] {
      for (auto& [id, slot] : peers_) {
        slot.peer->Stop();
        if (slot.stale_timer) slot.stale_timer->cancel();
      }
      reap_timer_.cancel();
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
      for (auto& [id, slot] : peers_) {
        Peer& peer = *slot.peer;
        if (!ep_ec && peer.config().address == remote) {
          if (peer.config().ttl) {
            (void)SetOutgoingTtl(socket.native_handle(), remote.family(), *peer.config().ttl);
          }
          peer.Accept(std::move(socket));
          taken = true;
          break;
        }
      }
      if (!taken) socket.close(ep_ec);  // not a configured neighbour
    }
    AcceptNext();
  });
}

// Runs on the io thread, or in Create() before the thread exists.
Status Speaker::StartPeer(PeerConfig pc) {
  for (const auto& [id, slot] : peers_) {
    if (slot.peer->config().address == pc.address) {
      return Error{EEXIST, "bgp neighbour " + pc.address.ToString() + " is already configured"};
    }
  }
  if (acceptor_.is_open() && !pc.md5_password.empty() &&
      pc.address.family() == config_.listen_address->family()) {
    if (Status s = SetTcpMd5Key(acceptor_.native_handle(), pc.address, pc.md5_password); !s) {
      return s;
    }
  }
  SessionConfig session;
  session.local_as = config_.local_as;
  session.router_id = config_.router_id;
  session.peer_as = pc.peer_as;
  session.hold_time = config_.hold_time;
  session.passive = pc.passive;
  session.families = pc.families;
  session.connect_retry_seconds = config_.connect_retry_seconds;
  session.graceful_restart = config_.graceful_restart;
  session.graceful_restart_time = config_.graceful_restart_time;
  session.restarted = config_.restarted;
  session.forwarding_preserved = config_.forwarding_preserved;
  const PeerId id = next_peer_id_++;
  Peer::Callbacks callbacks{
      .up = [this, id](Peer&) { OnUp(id); },
      .down = [this, id](Peer&, const action::SessionDown& down) { OnDown(id, down); },
      .update = [this, id](Peer&, const UpdateMessage& u,
                           std::optional<AfiSafi> end_of_rib) { OnUpdate(id, u, end_of_rib); },
      .route_refresh =
          [this, id](Peer& peer, AfiSafi) {
            // Resend what this peer was sent (its Adj-RIB-Out).
            std::vector<const OutgoingRoute*> routes;
            auto sent = rib_.AdjRibOut(id);
            for (const auto& r : sent) routes.push_back(&r);
            for (const auto& u : PackUpdates(routes, peer.negotiated().codec)) peer.Send(u);
          },
  };
  PeerSlot slot;
  slot.peer = std::make_unique<Peer>(io_, std::move(pc), std::move(session), std::move(callbacks));
  Peer* peer = slot.peer.get();
  peers_.emplace(id, std::move(slot));
  asio::post(io_, [this, id, peer] {
    // Still configured (not removed in between)?
    if (auto it = peers_.find(id); it != peers_.end() && it->second.peer.get() == peer) {
      peer->Start();
    }
  });
  return Status::Ok();
}

Status Speaker::AddPeer(PeerConfig peer) {
  return Query([&] { return StartPeer(std::move(peer)); });
}

Status Speaker::RemovePeer(const IpAddress& address) {
  return Query([&]() -> Status {
    for (auto it = peers_.begin(); it != peers_.end(); ++it) {
      if (it->second.peer->config().address != address) continue;
      const PeerId id = it->first;
      Peer& peer = *it->second.peer;
      if (acceptor_.is_open() && !peer.config().md5_password.empty() &&
          address.family() == config_.listen_address->family()) {
        (void)SetTcpMd5Key(acceptor_.native_handle(), address, "");
      }
      peer.Stop();  // Cease; its SessionDown withdrew its routes unless it kept them stale
      if (it->second.stale_timer) it->second.stale_timer->cancel();
      retired_.push_back(std::move(it->second.peer));
      peers_.erase(it);
      Commit(rib_.PeerDown(id));
      ReapRetired();
      return Status::Ok();
    }
    return Error{ENOENT, "bgp neighbour " + address.ToString() + " is not configured"};
  });
}

void Speaker::ReapRetired() {
  std::erase_if(retired_,
                [](const std::unique_ptr<Peer>& p) { return p->live_connections() == 0; });
  if (retired_.empty()) return;
  reap_timer_.expires_after(std::chrono::milliseconds(100));
  reap_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) ReapRetired();
  });
}

void Speaker::OnUp(PeerId id) {
  PeerSlot& slot = peers_.at(id);
  Peer& peer = *slot.peer;
  slot.established_since = std::chrono::system_clock::now();
  RibPeer rp;
  rp.id = id;
  rp.peer_as = peer.negotiated().peer_as;
  rp.router_id = peer.negotiated().peer_router_id;
  rp.address = peer.config().address;
  rp.ibgp = rp.peer_as == config_.local_as;
  rp.families = peer.negotiated().families;
  rp.route_reflector_client = rp.ibgp && peer.config().route_reflector_client;
  rp.as_path_prepend = peer.config().as_path_prepend;
  rp.export_local_only = peer.config().export_local_only;
  rp.import_reject = peer.config().import_reject;
  if (auto local = peer.local_address()) {
    (local->is_v4() ? rp.local_v4 : rp.local_v6) = *local;
  }
  if (auto other = peer.config().other_family_next_hop) {
    (other->is_v4() ? rp.local_v4 : rp.local_v6) = *other;
  }
  std::vector<OutgoingRoute> routes = rib_.PeerUp(rp);
  const auto& gr = peer.negotiated().peer_graceful_restart;
  // RFC 4724 4.2: stale routes of families the restarted peer did not preserve forwarding
  // state for (or all of them, when it no longer does graceful restart) go at once.
  if (rib_.stale_count(id) != 0) {
    for (const AfiSafi& family : {kIpv4Unicast, kIpv6Unicast}) {
      bool preserved = false;
      if (config_.graceful_restart && gr) {
        for (const auto& f : gr->families)
          preserved |= f.family == family && f.forwarding_preserved;
      }
      if (!preserved) {
        auto flushed = rib_.FlushStale(id, family);
        routes.insert(routes.end(), flushed.begin(), flushed.end());
      }
    }
  }
  Commit(routes);
  // Stale routes left wait for its End-of-RIB, but not for longer than a restart time.
  ArmStaleTimer(id, gr && gr->restart_time > 0 ? gr->restart_time : config_.graceful_restart_time);
  // RFC 4724: End-of-RIB after the initial table, per family.
  for (const AfiSafi& family : peer.negotiated().families) peer.Send(MakeEndOfRib(family));
}

void Speaker::OnDown(PeerId id, const action::SessionDown& down) {
  PeerSlot& slot = peers_.at(id);
  slot.established_since.reset();
  // RFC 4724 4.2: helper for a peer that announced graceful restart, when the transport broke
  // without a NOTIFICATION; its routes stay, stale, for the restart time it announced.
  const auto& gr = slot.peer->negotiated().peer_graceful_restart;
  if (!config_.graceful_restart || !gr || gr->restart_time == 0 || down.notification) {
    Commit(rib_.PeerDown(id));
    return;
  }
  std::vector<OutgoingRoute> routes = rib_.PeerDown(id, /*keep_stale=*/true);
  for (const AfiSafi& family : {kIpv4Unicast, kIpv6Unicast}) {
    bool listed = false;
    for (const auto& f : gr->families) listed |= f.family == family;
    if (!listed) {
      auto flushed = rib_.FlushStale(id, family);
      routes.insert(routes.end(), flushed.begin(), flushed.end());
    }
  }
  Commit(routes);
  ArmStaleTimer(id, gr->restart_time);
}

void Speaker::ArmStaleTimer(PeerId id, uint16_t seconds) {
  PeerSlot& slot = peers_.at(id);
  if (rib_.stale_count(id) == 0) {
    if (slot.stale_timer) slot.stale_timer->cancel();
    return;
  }
  if (!slot.stale_timer) slot.stale_timer = std::make_unique<asio::steady_timer>(io_);
  slot.stale_timer->expires_after(std::chrono::seconds(seconds));
  slot.stale_timer->async_wait([this, id](boost::system::error_code ec) {
    if (!ec) OnStaleTimeout(id);
  });
}

void Speaker::OnUpdate(PeerId id, const UpdateMessage& update, std::optional<AfiSafi> end_of_rib) {
  if (end_of_rib) {
    Commit(rib_.EndOfRib(id, *end_of_rib));
    return;
  }
  Tick();
  Commit(rib_.Apply(id, update));
}

void Speaker::OnStaleTimeout(PeerId id) {
  Commit(rib_.FlushStale(id));
}

void Speaker::Commit(const std::vector<OutgoingRoute>& routes) {
  std::map<PeerId, std::vector<const OutgoingRoute*>> by_peer;
  for (const OutgoingRoute& r : routes) by_peer[r.to].push_back(&r);
  for (const auto& [id, mine] : by_peer) SendTo(id, mine);
  const uint64_t generation = rib_.generation();
  if (generation != notified_generation_) {
    notified_generation_ = generation;
    PublishLocRib();
    if (config_.on_loc_rib_change) config_.on_loc_rib_change(generation);
  }
}

void Speaker::PublishLocRib() {
  if (config_.track_loc_rib_changes) {
    std::vector<LocRibChange> changes = rib_.TakeLocRibChanges();
    std::lock_guard lock(journal_mu_);
    for (LocRibChange& c : changes) journal_[c.prefix] = c.best;
  }
  loc_rib_generation_.store(rib_.generation());
}

LocRibChanges Speaker::TakeLocRibChanges() {
  std::lock_guard lock(journal_mu_);
  return std::exchange(journal_, {});
}

void Speaker::SendTo(PeerId id, const std::vector<const OutgoingRoute*>& routes) {
  auto it = peers_.find(id);
  if (it == peers_.end()) return;
  Peer& peer = *it->second.peer;
  for (const UpdateMessage& u : PackUpdates(routes, peer.negotiated().codec)) peer.Send(u);
}

void Speaker::StopWhenDrained(std::chrono::steady_clock::time_point deadline) {
  size_t live = 0;
  for (const auto& [id, slot] : peers_) live += slot.peer->live_connections();
  for (const auto& peer : retired_) live += peer->live_connections();
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

void Speaker::Originate(const IpPrefix& prefix, std::vector<uint32_t> communities) {
  asio::post(io_, [this, prefix, communities = std::move(communities)]() mutable {
    Tick();
    Commit(rib_.Originate(prefix, Origin::kIgp, std::move(communities)));
  });
}

void Speaker::Withdraw(const IpPrefix& prefix) {
  asio::post(io_, [this, prefix] { Commit(rib_.WithdrawLocal(prefix)); });
}

std::vector<NeighborStatus> Speaker::Neighbors() {
  return Query([this] {
    std::vector<NeighborStatus> out;
    for (const auto& [id, slot] : peers_) {
      const Peer& p = *slot.peer;
      NeighborStatus n;
      n.id = id;
      n.address = p.config().address;
      n.peer_as = p.config().peer_as;
      n.router_id = p.negotiated().peer_router_id;
      n.state = p.state();
      n.received_routes = rib_.received_count(id);
      n.accepted_routes = rib_.accepted_count(id);
      n.advertised_routes = rib_.advertised_count(id);
      n.last_error = p.last_error();
      n.established_since = slot.established_since;
      n.messages_received = p.messages_received();
      n.messages_sent = p.messages_sent();
      if (p.state() == SessionState::kEstablished) {
        n.capabilities = CapabilityNames(p.negotiated(), config_.graceful_restart);
        n.hold_time = p.negotiated().hold_time;
      }
      n.stale_routes = rib_.stale_count(id);
      out.push_back(std::move(n));
    }
    return out;
  });
}

std::vector<RibRoute> Speaker::LocRib() {
  return Query([this] { return rib_.LocRib(); });
}

void Speaker::Tick() {
  rib_.set_clock(static_cast<uint32_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - epoch_)
          .count()));
}

std::optional<std::chrono::seconds> Speaker::AgeOf(PeerId from, const IpPrefix& prefix) const {
  std::optional<uint32_t> since = rib_.Since(from, prefix);
  if (!since) return std::nullopt;
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - epoch_);
  return std::max(std::chrono::seconds(0), now - std::chrono::seconds(*since));
}

std::optional<PeerId> Speaker::IdOf(const IpAddress& neighbor) const {
  for (const auto& [id, slot] : peers_) {
    if (slot.peer->config().address == neighbor) return id;
  }
  return std::nullopt;
}

std::vector<RouteStatus> Speaker::LocRibStatus() {
  return Query([this] {
    std::vector<RouteStatus> out;
    for (RibRoute& r : rib_.LocRib()) {
      std::optional<std::chrono::seconds> age = AgeOf(r.from, r.prefix);
      out.push_back(RouteStatus{std::move(r), age});
    }
    return out;
  });
}

Expected<std::vector<RouteStatus>> Speaker::AdjRibIn(const IpAddress& neighbor) {
  return Query([&]() -> Expected<std::vector<RouteStatus>> {
    std::optional<PeerId> id = IdOf(neighbor);
    if (!id) return Error{ENOENT, "neighbor " + neighbor.ToString() + " is not configured"};
    std::vector<RouteStatus> out;
    for (RibRoute& r : rib_.AdjRibIn(*id)) {
      std::optional<std::chrono::seconds> age = AgeOf(r.from, r.prefix);
      out.push_back(RouteStatus{std::move(r), age});
    }
    return out;
  });
}

Expected<std::vector<RouteStatus>> Speaker::AdjRibOut(const IpAddress& neighbor) {
  return Query([&]() -> Expected<std::vector<RouteStatus>> {
    std::optional<PeerId> id = IdOf(neighbor);
    if (!id) return Error{ENOENT, "neighbor " + neighbor.ToString() + " is not configured"};
    std::vector<RouteStatus> out;
    for (OutgoingRoute& r : rib_.AdjRibOut(*id)) {
      if (!r.attributes) continue;
      const RibRoute* best = rib_.Best(r.prefix);
      RibRoute route{best != nullptr ? best->from : kLocalPeer, r.prefix, std::move(*r.attributes),
                     r.next_hop};
      out.push_back(RouteStatus{std::move(route), std::nullopt});
    }
    return out;
  });
}

}  // namespace kr::bgp
