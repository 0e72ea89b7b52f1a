// Our speaker against FRR's bgpd (run without zebra in namespace "peer", with its own
// config, pid file and vty socket directory owned by user frr; checked with `vtysh`): eBGP
// and iBGP over IPv4, routes and withdrawals both ways.
#include <catch2/catch.hpp>

#include "test/privileged/bgp/interop_topology.h"

namespace kr::bgp::interop {
namespace {

using kr::test::Daemon;
using kr::test::WaitFor;
using namespace std::chrono_literals;

std::string FrrConfig(uint32_t peer_as, const std::string& password) {
  const std::string n = std::string(" neighbor ") + kOurAddress;
  return "frr defaults traditional\n"
         "hostname peer\n"
         "router bgp " +
         std::to_string(peer_as) +
         "\n"
         " bgp router-id 192.0.2.2\n"
         " no bgp ebgp-requires-policy\n"
         " no bgp network import-check\n" +
         n + " remote-as " + std::to_string(kOurAs) + "\n" + n + " port " +
         std::to_string(kInteropPort) + "\n" + n + " timers 3 9\n" + n + " timers connect 1\n" +
         (password.empty() ? std::string() : n + " password " + password + "\n") +
         " address-family ipv4 unicast\n"
         "  network " +
         kPeerPrefix + "\n" + n +
         " next-hop-self\n"
         " exit-address-family\n";
}

struct Frr {
  Frr(Topology& t, uint32_t peer_as, const std::string& password = "") : topo(t), asn(peer_as) {
    const std::string config = t.dir.Write("bgpd.conf", FrrConfig(peer_as, password));
    vty_dir = t.dir.path() + "/vty";
    kr::test::RunCommandOrThrow({"mkdir", "-p", vty_dir});
    kr::test::RunCommandOrThrow({"chown", "-R", "frr:frr", t.dir.path()});
    kr::test::RunCommandOrThrow({"chmod", "0755", t.dir.path()});
    daemon = std::make_unique<Daemon>(
        t.peer,
        std::vector<std::string>{"/usr/lib/frr/bgpd", "-Z", "-n", "-f", config, "-i",
                                 t.dir.path() + "/bgpd.pid", "--vty_socket", vty_dir, "-P", "0",
                                 "-p", std::to_string(kInteropPort), "-l", kPeerAddress, "-u",
                                 "frr", "-g", "frr"},
        t.dir.path() + "/bgpd.log");
  }
  std::string Vtysh(const std::vector<std::string>& commands) const {
    std::vector<std::string> argv = {"vtysh", "--vty_socket", vty_dir, "-d", "bgpd"};
    for (const auto& c : commands) {
      argv.push_back("-c");
      argv.push_back(c);
    }
    return topo.peer.Exec(argv).output;
  }
  Topology& topo;
  uint32_t asn;
  std::string vty_dir;
  std::unique_ptr<Daemon> daemon;
};

void ExchangeWithFrr(uint32_t peer_as) {
  const bool ibgp = peer_as == kOurAs;
  Topology topo;
  Frr frr(topo, peer_as);
  std::unique_ptr<Speaker> speaker = topo.StartSpeaker(peer_as);

  if (!WaitFor([&] { return IsEstablished(*speaker); }, 30s)) {
    FAIL("not established; ours: "
         << SessionStateName(speaker->Neighbors()[0].state) << " "
         << speaker->Neighbors()[0].last_error
         << "\nfrr: " << frr.Vtysh({std::string("show bgp neighbors ") + kOurAddress})
         << "\nlog: " << kr::test::RunCommand({"cat", topo.dir.path() + "/bgpd.log"}).output);
  }
  const std::string neighbor = frr.Vtysh({std::string("show bgp neighbors ") + kOurAddress});
  INFO("vtysh show bgp neighbors: " << neighbor);
  CHECK(neighbor.find("BGP state = Established") != std::string::npos);

  speaker->Originate(*IpPrefix::Parse(kOurPrefix));
  std::string route;
  const std::string show_ours = std::string("show bgp ipv4 unicast ") + kOurPrefix;
  REQUIRE(WaitFor(
      [&] {
        route = frr.Vtysh({show_ours});
        return route.find("Origin IGP") != std::string::npos;
      },
      15s));
  INFO("vtysh show bgp: " << route);
  CHECK(route.find("192.0.2.1 from 192.0.2.1") != std::string::npos);
  if (ibgp) {
    CHECK(route.find("localpref 100") != std::string::npos);
    CHECK(route.find("Local") != std::string::npos);  // empty AS path
  } else {
    CHECK(route.find("\n  65001\n") != std::string::npos);
  }

  REQUIRE(WaitFor([&] { return FindInLocRib(*speaker, kPeerPrefix).has_value(); }, 15s));
  const std::optional<RibRoute> theirs = FindInLocRib(*speaker, kPeerPrefix);
  REQUIRE(theirs);
  CHECK(theirs->next_hop.ToString() == kPeerAddress);
  CHECK(theirs->attributes.origin == Origin::kIgp);
  CHECK(theirs->attributes.as_path->ToString() == (ibgp ? "" : std::to_string(peer_as)));

  speaker->Withdraw(*IpPrefix::Parse(kOurPrefix));
  CHECK(
      WaitFor([&] { return frr.Vtysh({show_ours}).find("Origin IGP") == std::string::npos; }, 15s));
  frr.Vtysh({"configure terminal", "router bgp " + std::to_string(peer_as),
             "address-family ipv4 unicast", std::string("no network ") + kPeerPrefix});
  CHECK(WaitFor([&] { return !FindInLocRib(*speaker, kPeerPrefix).has_value(); }, 15s));
  CHECK(IsEstablished(*speaker));
  speaker.reset();
}

TEST_CASE("bgp interop: eBGP IPv4 with FRR bgpd, routes and withdrawals both ways", "[bgp][frr]") {
  ExchangeWithFrr(65002);
}

TEST_CASE("bgp interop: iBGP IPv4 with FRR bgpd, routes and withdrawals both ways", "[bgp][frr]") {
  ExchangeWithFrr(kOurAs);
}

TEST_CASE("bgp interop: TCP MD5 with FRR bgpd establishes only with the right password",
          "[bgp][frr]") {
  {
    Topology topo;
    Frr frr(topo, 65002, "frr-md5");
    std::unique_ptr<Speaker> speaker = topo.StartSpeaker(65002, "frr-md5");
    CHECK(WaitFor([&] { return IsEstablished(*speaker); }, 30s));
  }
  {
    Topology topo;
    Frr frr(topo, 65002, "frr-md5");
    std::unique_ptr<Speaker> speaker = topo.StartSpeaker(65002, "wrong-md5");
    CHECK_FALSE(WaitFor([&] { return IsEstablished(*speaker); }, 6s));
    CHECK(frr.Vtysh({std::string("show bgp neighbors ") + kOurAddress})
              .find("BGP state = Established") == std::string::npos);
  }
}

}  // namespace
}  // namespace kr::bgp::interop
