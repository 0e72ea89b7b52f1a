// Our speaker against BIRD 2 (`bird` in namespace "peer", checked with `birdc`): eBGP and
// iBGP over IPv4, routes and withdrawals both ways.
#include <catch2/catch.hpp>

#include "test/privileged/bgp/interop_topology.h"

namespace kr::bgp::interop {
namespace {

using kr::test::Daemon;
using kr::test::WaitFor;
using namespace std::chrono_literals;

std::string BirdConfig(uint32_t peer_as, const std::string& password) {
  const std::string port = std::to_string(kInteropPort);
  return "router id 192.0.2.2;\n"
         "protocol device {}\n"
         // iBGP next hops resolve recursively through this table.
         "protocol direct { ipv4; interface \"eth0\"; }\n"
         "protocol static s4 { ipv4; route " +
         std::string(kPeerPrefix) +
         " blackhole; }\n"
         "protocol bgp kr {\n"
         "  local 192.0.2.2 port " +
         port + " as " + std::to_string(peer_as) + ";\n  neighbor " + kOurAddress + " port " +
         port + " as " + std::to_string(kOurAs) +
         ";\n"
         "  hold time 9; connect retry time 1; error wait time 1, 2;\n" +
         (password.empty() ? std::string() : "  password \"" + password + "\";\n") +
         "  ipv4 { import all; export where source = RTS_STATIC; next hop self; };\n"
         "}\n";
}

struct Bird {
  Bird(Topology& t, uint32_t peer_as, const std::string& password = "") : topo(t) {
    const std::string config = t.dir.Write("bird.conf", BirdConfig(peer_as, password));
    socket = t.dir.path() + "/bird.ctl";
    daemon =
        std::make_unique<Daemon>(t.peer,
                                 std::vector<std::string>{"bird", "-f", "-c", config, "-s", socket,
                                                          "-P", t.dir.path() + "/bird.pid"},
                                 t.dir.path() + "/bird.log");
  }
  std::string Birdc(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {"birdc", "-s", socket};
    argv.insert(argv.end(), args.begin(), args.end());
    return topo.peer.Exec(argv).output;
  }
  Topology& topo;
  std::string socket;
  std::unique_ptr<Daemon> daemon;
};

void ExchangeWithBird(uint32_t peer_as) {
  const bool ibgp = peer_as == kOurAs;
  Topology topo;
  Bird bird(topo, peer_as);
  std::unique_ptr<Speaker> speaker = topo.StartSpeaker(peer_as);
  INFO("bird log: " << kr::test::RunCommand({"cat", topo.dir.path() + "/bird.log"}).output);

  if (!WaitFor([&] { return IsEstablished(*speaker); }, 30s)) {
    FAIL("not established; ours: "
         << SessionStateName(speaker->Neighbors()[0].state) << " "
         << speaker->Neighbors()[0].last_error
         << "\nbird: " << bird.Birdc({"show", "protocols", "all", "kr"})
         << "\nlog: " << kr::test::RunCommand({"cat", topo.dir.path() + "/bird.log"}).output);
  }
  INFO("birdc show protocols: " << bird.Birdc({"show", "protocols", "kr"}));
  CHECK(Lower(bird.Birdc({"show", "protocols", "kr"})).find("established") != std::string::npos);

  speaker->Originate(*IpPrefix::Parse(kOurPrefix));
  std::string route;
  REQUIRE(WaitFor(
      [&] {
        route = bird.Birdc({"show", "route", kOurPrefix, "all"});
        return route.find("BGP.next_hop") != std::string::npos;
      },
      15s));
  INFO("birdc show route: " << route);
  CHECK(route.find("BGP.next_hop: 192.0.2.1") != std::string::npos);
  CHECK(route.find("BGP.origin: IGP") != std::string::npos);
  if (ibgp) {
    CHECK(route.find("BGP.local_pref: 100") != std::string::npos);
    CHECK(route.find("BGP.as_path: \n") != std::string::npos);
  } else {
    CHECK(route.find("BGP.as_path: 65001\n") != std::string::npos);
  }

  REQUIRE(WaitFor([&] { return FindInLocRib(*speaker, kPeerPrefix).has_value(); }, 15s));
  const std::optional<RibRoute> theirs = FindInLocRib(*speaker, kPeerPrefix);
  REQUIRE(theirs);
  CHECK(theirs->next_hop.ToString() == kPeerAddress);
  CHECK(theirs->attributes.as_path->ToString() == (ibgp ? "" : std::to_string(peer_as)));

  speaker->Withdraw(*IpPrefix::Parse(kOurPrefix));
  CHECK(WaitFor(
      [&] {
        return bird.Birdc({"show", "route", kOurPrefix}).find(kOurPrefix) == std::string::npos;
      },
      15s));
  bird.Birdc({"disable", "s4"});  // withdraws the static route
  CHECK(WaitFor([&] { return !FindInLocRib(*speaker, kPeerPrefix).has_value(); }, 15s));
  CHECK(IsEstablished(*speaker));
  speaker.reset();
}

TEST_CASE("bgp interop: eBGP IPv4 with BIRD, routes and withdrawals both ways", "[bgp][bird]") {
  ExchangeWithBird(65002);
}

TEST_CASE("bgp interop: iBGP IPv4 with BIRD, routes and withdrawals both ways", "[bgp][bird]") {
  ExchangeWithBird(kOurAs);
}

TEST_CASE("bgp interop: TCP MD5 with BIRD establishes only with the right password",
          "[bgp][bird]") {
  {
    Topology topo;
    Bird bird(topo, 65002, "bird-md5");
    std::unique_ptr<Speaker> speaker = topo.StartSpeaker(65002, "bird-md5");
    CHECK(WaitFor([&] { return IsEstablished(*speaker); }, 30s));
  }
  {
    Topology topo;
    Bird bird(topo, 65002, "bird-md5");
    std::unique_ptr<Speaker> speaker = topo.StartSpeaker(65002, "wrong-md5");
    // Both sides retry every second or two: several attempts, none may succeed.
    CHECK_FALSE(WaitFor([&] { return IsEstablished(*speaker); }, 6s));
    CHECK(Lower(bird.Birdc({"show", "protocols", "kr"})).find("established") == std::string::npos);
  }
}

}  // namespace
}  // namespace kr::bgp::interop
