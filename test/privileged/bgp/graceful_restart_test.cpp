// Graceful restart (RFC 4724) against gobgpd, both ways, in namespaces "us" and "peer".
//
// We restart: our speaker runs as a process of its own (bgp_speaker_runner, path in
// $KR_BGP_SPEAKER_RUNNER) so it can be killed with SIGKILL, the way a crash looks to the
// peer; gobgpd, a GR helper, must keep our route through the gap and after we come back with
// the R bit and re-send it before our End-of-RIB.
// The peer restarts: gobgpd is killed and started again with -r (restarting); our speaker,
// the helper, must keep its route, stale, through the gap, and unmark it once the new
// gobgpd has re-sent it.
#include <signal.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <memory>
#include <string>

#include "test/privileged/bgp/gobgp_peer.h"

namespace kr::bgp::interop {
namespace {

using kr::test::Daemon;
using kr::test::WaitFor;
using namespace std::chrono_literals;

constexpr uint32_t kPeerAs = kGobgpAs;
constexpr int kRestartTime = kGobgpRestartTime;  // ours too; far longer than any gap below

struct GrFixture : GobgpPeer {
  ~GrFixture() {
    speaker.reset();
    runner.reset();
  }

  void StartRunner(bool restarted) {
    const char* path = std::getenv("KR_BGP_SPEAKER_RUNNER");
    if (path == nullptr) FAIL("KR_BGP_SPEAKER_RUNNER is not set");
    std::vector<std::string> argv = {path,
                                     "--as",
                                     std::to_string(kOurAs),
                                     "--router-id",
                                     kOurAddress,
                                     "--listen",
                                     kOurAddress,
                                     "--port",
                                     std::to_string(kInteropPort),
                                     "--gr-time",
                                     std::to_string(kRestartTime),
                                     "--peer",
                                     std::string(kPeerAddress) + ":" + std::to_string(kPeerAs),
                                     "--originate",
                                     kOurPrefix};
    if (restarted) argv.push_back("--restarted");
    runner = std::make_unique<Daemon>(us, argv, dir.path() + "/runner.log");
  }
  // SIGKILL: no NOTIFICATION, the kernel just closes the connection.
  void KillRunner() {
    kill(runner->pid(), SIGKILL);
    REQUIRE(WaitFor([&] { return !runner->running(); }, 5s));
    runner.reset();
  }

  std::unique_ptr<Daemon> runner;
  std::unique_ptr<Speaker> speaker;
};

TEST_CASE("bgp gr: gobgpd keeps our route while we are killed and restarted", "[bgp][gr]") {
  GrFixture f;
  f.StartGobgpd(false);
  f.StartRunner(false);
  INFO("logs:\n" << f.Logs());
  REQUIRE(WaitFor([&] { return f.PeerSaysEstablished() && f.PeerHas(kOurPrefix); }, 30s));
  const std::string neighbor = f.Gobgp({"neighbor", kOurAddress});
  INFO("gobgp neighbor: " << neighbor);
  CHECK(neighbor.find("graceful-restart:\tadvertised and received") != std::string::npos);
  CHECK(neighbor.find("restart flag set") == std::string::npos);  // not restarted yet

  f.KillRunner();
  // The gap: gobgpd notices the session is gone, and keeps our route all along.
  REQUIRE(WaitFor([&] { return !f.PeerSaysEstablished(); }, 15s));
  for (int i = 0; i < 15; ++i) {  // 15 looks over about 3 s
    REQUIRE(f.PeerHas(kOurPrefix));
    CHECK_FALSE(WaitFor([&] { return f.PeerSaysEstablished(); }, 200ms));
  }

  f.StartRunner(true);
  // Throughout the reconnection the route never leaves; it ends up established again.
  bool always_there = true;
  const bool back = WaitFor(
      [&] {
        always_there &= f.PeerHas(kOurPrefix);
        return f.PeerSaysEstablished();
      },
      30s);
  REQUIRE(back);
  CHECK(always_there);
  // Our OPEN after the restart carried the R bit.
  const std::string again = f.Gobgp({"neighbor", kOurAddress});
  INFO("gobgp neighbor after our restart: " << again);
  CHECK(again.find("restart flag set") != std::string::npos);
  // After our End-of-RIB gobgpd has nothing stale left and still has the route.
  CHECK_FALSE(WaitFor([&] { return !f.PeerHas(kOurPrefix); }, 3s));
  CHECK(f.PeerSaysEstablished());
}

TEST_CASE("bgp gr: our speaker keeps gobgpd's route, stale, while gobgpd restarts", "[bgp][gr]") {
  GrFixture f;
  f.StartGobgpd(false);
  SpeakerConfig sc;
  sc.local_as = kOurAs;
  sc.router_id = 0xc0000201;
  sc.listen_address = IpAddress::Parse(kOurAddress);
  sc.port = kInteropPort;
  sc.hold_time = 9;
  sc.connect_retry_seconds = 1;
  sc.graceful_restart_time = kRestartTime;
  PeerConfig pc;
  pc.address = *IpAddress::Parse(kPeerAddress);
  pc.peer_as = kPeerAs;
  pc.port = kInteropPort;
  sc.peers.push_back(pc);
  auto created = f.us.Run([&] { return Speaker::Create(sc); });
  REQUIRE(created);
  f.speaker = std::move(*created);
  INFO("logs:\n" << f.Logs());
  REQUIRE(WaitFor([&] { return IsEstablished(*f.speaker); }, 30s));
  auto neighbors = f.speaker->Neighbors();
  INFO("capabilities: " << neighbors[0].capabilities.size());
  CHECK(std::find(neighbors[0].capabilities.begin(), neighbors[0].capabilities.end(),
                  "graceful-restart") != neighbors[0].capabilities.end());
  f.Gobgp({"global", "rib", "add", kPeerPrefix, "origin", "igp", "-a", "ipv4"});
  REQUIRE(WaitFor([&] { return FindInLocRib(*f.speaker, kPeerPrefix).has_value(); }, 15s));

  kill(f.gobgpd->pid(), SIGKILL);
  REQUIRE(WaitFor([&] { return !f.gobgpd->running(); }, 5s));
  REQUIRE(WaitFor([&] { return !IsEstablished(*f.speaker); }, 15s));
  for (int i = 0; i < 15; ++i) {  // about 3 s of gap
    REQUIRE(FindInLocRib(*f.speaker, kPeerPrefix).has_value());
    CHECK(f.speaker->Neighbors()[0].stale_routes == 1);
    CHECK_FALSE(WaitFor([&] { return IsEstablished(*f.speaker); }, 200ms));
  }

  f.StartGobgpd(true);
  // The route is re-added as soon as the new gobgpd's API answers. Until the session is
  // back our stale copy must stay; once gobgpd has re-sent it and its End-of-RIB, the route
  // is there and no longer stale (had gobgpd's End-of-RIB come first, the stale copy was
  // rightly flushed and the re-sent route arrives after it).
  bool always_there = true;
  bool added = false;
  auto add_once = [&] {
    if (added) return;
    f.Gobgp({"global", "rib", "add", kPeerPrefix, "origin", "igp", "-a", "ipv4"});
    added = f.PeerHas(kPeerPrefix);  // the API may not be up yet
  };
  const bool reconnected = WaitFor(
      [&] {
        add_once();
        const bool up = IsEstablished(*f.speaker);
        if (!up) always_there &= FindInLocRib(*f.speaker, kPeerPrefix).has_value();
        return up;
      },
      30s);
  CHECK(reconnected);
  const bool refreshed = WaitFor(
      [&] {
        add_once();
        auto n = f.speaker->Neighbors();
        return n[0].state == SessionState::kEstablished && n[0].stale_routes == 0 &&
               FindInLocRib(*f.speaker, kPeerPrefix).has_value();
      },
      30s);
  if (!refreshed || !always_there) {
    auto n = f.speaker->Neighbors();
    WARN("state " << SessionStateName(n[0].state) << ", stale " << n[0].stale_routes
                  << ", received messages " << n[0].messages_received << ", routes "
                  << n[0].received_routes << ", added " << added << "\n"
                  << f.Gobgp({"global", "rib", "-a", "ipv4"}) << "\n"
                  << ", last error " << n[0].last_error << "\n"
                  << f.Gobgp({"neighbor", kOurAddress}) << "\n"
                  << f.Logs());
  }
  CHECK(refreshed);
  CHECK(always_there);
}

}  // namespace
}  // namespace kr::bgp::interop
