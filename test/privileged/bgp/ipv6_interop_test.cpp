// Sessions over IPv6 transport: our speaker in namespace "us" (2001:db8::1) against GoBGP,
// BIRD 2 and FRR bgpd in "peer" (2001:db8::2), joined by a veth with no IPv4 address at all.
// For each, eBGP and iBGP: IPv6 unicast routes both ways with their attributes (checked with
// the peer's own CLI on its side and our Loc-RIB on ours), then withdrawals both ways.
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "services/routed/bgp/speaker.h"
#include "test/privileged/bgp/daemon.h"
#include "test/privileged/bgp/interop_topology.h"
#include "test/support/netns.h"

namespace kr::bgp::interop {
namespace {

using kr::test::Daemon;
using kr::test::WaitFor;
using namespace std::chrono_literals;

constexpr const char* kOurV6 = "2001:db8::1";
constexpr const char* kPeerV6 = "2001:db8::2";
constexpr const char* kOurV6Prefix = "2001:db8:100::/48";
constexpr const char* kPeerV6Prefix = "2001:db8:200::/48";

// Two namespaces joined by a veth carrying only IPv6, our speaker started in "us".
struct Topology6 {
  Topology6() : link(us, "eth0", peer, "eth0") {
    us.AddAddress("eth0", std::string(kOurV6) + "/64");
    peer.AddAddress("eth0", std::string(kPeerV6) + "/64");
  }

  std::unique_ptr<Speaker> StartSpeaker(uint32_t peer_as) {
    SpeakerConfig sc;
    sc.local_as = kOurAs;
    sc.router_id = 0xc0000201;  // 192.0.2.1: BGP identifiers stay 32-bit on IPv6 sessions
    sc.listen_address = IpAddress::Parse(kOurV6);
    sc.port = kInteropPort;
    sc.hold_time = 9;
    sc.connect_retry_seconds = 1;
    PeerConfig pc;
    pc.address = *IpAddress::Parse(kPeerV6);
    pc.peer_as = peer_as;
    pc.port = kInteropPort;
    pc.ttl = 1;
    pc.families = {kIpv6Unicast};
    sc.peers.push_back(pc);
    auto created = us.Run([&] { return Speaker::Create(sc); });
    if (!created) FAIL("Speaker::Create: " << created.error().message);
    return std::move(*created);
  }

  std::string Log(const std::string& name) const {
    return kr::test::RunCommand({"cat", dir.path() + "/" + name}).output;
  }

  kr::test::NetNs us{"us6"};
  kr::test::NetNs peer{"peer6"};
  kr::test::VethPair link;
  kr::test::TempDir dir;
};

// One implementation on the peer side: started by its constructor, stopped by its destructor
// (Daemon), driven and inspected only through its own CLI.
class PeerRouter {
 public:
  virtual ~PeerRouter() = default;
  virtual bool SaysEstablished() const = 0;
  // The peer's view of kOurV6Prefix as its CLI prints it; "" while it does not have it.
  virtual std::string OurRoute() const = 0;
  virtual void CheckOurRoute(const std::string& shown, bool ibgp) const = 0;
  virtual void WithdrawItsRoute() const = 0;
  virtual std::string Diagnostics() const = 0;
};

class Gobgp : public PeerRouter {
 public:
  Gobgp(Topology6& t, uint32_t asn) : topo_(t) {
    const std::string port = std::to_string(kInteropPort);
    const std::string config = t.dir.Write(
        "gobgpd.toml", "[global.config]\n  as = " + std::to_string(asn) +
                           "\n  router-id = \"192.0.2.2\"\n  port = " + port +
                           "\n  local-address-list = [\"" + kPeerV6 +
                           "\"]\n[[neighbors]]\n  [neighbors.config]\n    neighbor-address = \"" +
                           kOurV6 + "\"\n    peer-as = " + std::to_string(kOurAs) +
                           "\n  [neighbors.transport.config]\n    remote-port = " + port +
                           "\n  [neighbors.timers.config]\n    connect-retry = 1\n"
                           "  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n"
                           "      afi-safi-name = \"ipv6-unicast\"\n");
    daemon_ = std::make_unique<Daemon>(
        t.peer,
        std::vector<std::string>{"gobgpd", "-f", config, "-p", "--pprof-disable", "--api-hosts",
                                 "127.0.0.1:50051"},
        t.dir.path() + "/gobgpd.log");
    // GoBGP's API comes up a moment after the process; the route is added once it answers.
    REQUIRE(WaitFor(
        [&] {
          return Cli({"global", "rib", "add", kPeerV6Prefix, "origin", "igp", "nexthop", kPeerV6,
                      "-a", "ipv6"})
              .ok();
        },
        15s));
  }
  bool SaysEstablished() const override {
    return Lower(Cli({"neighbor", kOurV6}).output).find("bgp state = established") !=
           std::string::npos;
  }
  std::string OurRoute() const override {
    const std::string rib = Cli({"global", "rib", "-a", "ipv6"}).output;
    const size_t at = rib.find(kOurV6Prefix);
    if (at == std::string::npos) return "";
    return rib.substr(at, rib.find('\n', at) - at);
  }
  void CheckOurRoute(const std::string& line, bool ibgp) const override {
    CHECK(line.find(std::string(" ") + kOurV6 + " ") != std::string::npos);
    CHECK(line.find("Origin: i") != std::string::npos);
    if (ibgp) {
      CHECK(line.find("LocalPref: 100") != std::string::npos);
      CHECK(line.find(" 65001 ") == std::string::npos);
    } else {
      CHECK(line.find(" 65001 ") != std::string::npos);
    }
  }
  void WithdrawItsRoute() const override {
    REQUIRE(Cli({"global", "rib", "del", kPeerV6Prefix, "-a", "ipv6"}).ok());
  }
  std::string Diagnostics() const override {
    return Cli({"neighbor", kOurV6}).output + "\n" + topo_.Log("gobgpd.log");
  }

 private:
  kr::test::CommandResult Cli(std::vector<std::string> args) const {
    std::vector<std::string> argv = {"gobgp", "-u", "127.0.0.1", "-p", "50051"};
    argv.insert(argv.end(), args.begin(), args.end());
    return topo_.peer.Exec(argv);
  }
  Topology6& topo_;
  std::unique_ptr<Daemon> daemon_;
};

class Bird : public PeerRouter {
 public:
  Bird(Topology6& t, uint32_t asn) : topo_(t) {
    const std::string port = std::to_string(kInteropPort);
    const std::string config = t.dir.Write(
        "bird.conf",
        "router id 192.0.2.2;\nprotocol device {}\n"
        // iBGP next hops resolve recursively through this table.
        "protocol direct { ipv6; interface \"eth0\"; }\n"
        "protocol static s6 { ipv6; route " +
            std::string(kPeerV6Prefix) +
            " blackhole; }\n"
            "protocol bgp kr {\n  local " +
            kPeerV6 + " port " + port + " as " + std::to_string(asn) + ";\n  neighbor " + kOurV6 +
            " port " + port + " as " + std::to_string(kOurAs) +
            ";\n  hold time 9; connect retry time 1; error wait time 1, 2;\n"
            "  ipv6 { import all; export where source = RTS_STATIC; next hop "
            "self; };\n}\n");
    socket_ = t.dir.path() + "/bird.ctl";
    daemon_ =
        std::make_unique<Daemon>(t.peer,
                                 std::vector<std::string>{"bird", "-f", "-c", config, "-s", socket_,
                                                          "-P", t.dir.path() + "/bird.pid"},
                                 t.dir.path() + "/bird.log");
  }
  bool SaysEstablished() const override {
    return Lower(Birdc({"show", "protocols", "kr"})).find("established") != std::string::npos;
  }
  std::string OurRoute() const override {
    const std::string route = Birdc({"show", "route", kOurV6Prefix, "all"});
    return route.find("BGP.next_hop") == std::string::npos ? "" : route;
  }
  void CheckOurRoute(const std::string& route, bool ibgp) const override {
    CHECK(route.find(std::string("BGP.next_hop: ") + kOurV6) != std::string::npos);
    CHECK(route.find("BGP.origin: IGP") != std::string::npos);
    if (ibgp) {
      CHECK(route.find("BGP.local_pref: 100") != std::string::npos);
      CHECK(route.find("BGP.as_path: \n") != std::string::npos);
    } else {
      CHECK(route.find("BGP.as_path: 65001\n") != std::string::npos);
    }
  }
  void WithdrawItsRoute() const override { Birdc({"disable", "s6"}); }
  std::string Diagnostics() const override {
    return Birdc({"show", "protocols", "all", "kr"}) + "\n" + topo_.Log("bird.log");
  }

 private:
  std::string Birdc(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {"birdc", "-s", socket_};
    argv.insert(argv.end(), args.begin(), args.end());
    return topo_.peer.Exec(argv).output;
  }
  Topology6& topo_;
  std::string socket_;
  std::unique_ptr<Daemon> daemon_;
};

class Frr : public PeerRouter {
 public:
  Frr(Topology6& t, uint32_t asn) : topo_(t), asn_(asn) {
    const std::string n = std::string(" neighbor ") + kOurV6;
    const std::string config = t.dir.Write(
        "bgpd.conf", "frr defaults traditional\nhostname peer\nrouter bgp " + std::to_string(asn) +
                         "\n bgp router-id 192.0.2.2\n no bgp ebgp-requires-policy\n"
                         " no bgp network import-check\n no bgp default ipv4-unicast\n" +
                         n + " remote-as " + std::to_string(kOurAs) + "\n" + n + " port " +
                         std::to_string(kInteropPort) + "\n" + n + " timers 3 9\n" + n +
                         " timers connect 1\n address-family ipv6 unicast\n  network " +
                         kPeerV6Prefix + "\n" + n + " activate\n" + n +
                         " next-hop-self\n"
                         // Without zebra bgpd knows no interface addresses: name the global
                         // next hop it must send.
                         + n + " route-map NH out\n exit-address-family\n" +
                         "route-map NH permit 10\n set ipv6 next-hop global " + kPeerV6 + "\n");
    vty_dir_ = t.dir.path() + "/vty";
    kr::test::RunCommandOrThrow({"mkdir", "-p", vty_dir_});
    kr::test::RunCommandOrThrow({"chown", "-R", "frr:frr", t.dir.path()});
    kr::test::RunCommandOrThrow({"chmod", "0755", t.dir.path()});
    daemon_ = std::make_unique<Daemon>(
        t.peer,
        std::vector<std::string>{"/usr/lib/frr/bgpd", "-Z", "-n", "-f", config, "-i",
                                 t.dir.path() + "/bgpd.pid", "--vty_socket", vty_dir_, "-P", "0",
                                 "-p", std::to_string(kInteropPort), "-l", kPeerV6, "-u", "frr",
                                 "-g", "frr"},
        t.dir.path() + "/bgpd.log");
  }
  bool SaysEstablished() const override {
    return Vtysh({std::string("show bgp neighbors ") + kOurV6}).find("BGP state = Established") !=
           std::string::npos;
  }
  std::string OurRoute() const override {
    const std::string route = Vtysh({std::string("show bgp ipv6 unicast ") + kOurV6Prefix});
    return route.find("Origin IGP") == std::string::npos ? "" : route;
  }
  void CheckOurRoute(const std::string& route, bool ibgp) const override {
    CHECK(route.find(std::string(kOurV6) + " from " + kOurV6) != std::string::npos);
    if (ibgp) {
      CHECK(route.find("localpref 100") != std::string::npos);
      CHECK(route.find("Local") != std::string::npos);  // empty AS path
    } else {
      CHECK(route.find("\n  65001\n") != std::string::npos);
    }
  }
  void WithdrawItsRoute() const override {
    Vtysh({"configure terminal", "router bgp " + std::to_string(asn_),
           "address-family ipv6 unicast", std::string("no network ") + kPeerV6Prefix});
  }
  std::string Diagnostics() const override {
    return Vtysh({std::string("show bgp neighbors ") + kOurV6}) + "\n" + topo_.Log("bgpd.log");
  }

 private:
  std::string Vtysh(const std::vector<std::string>& commands) const {
    std::vector<std::string> argv = {"vtysh", "--vty_socket", vty_dir_, "-d", "bgpd"};
    for (const auto& c : commands) {
      argv.push_back("-c");
      argv.push_back(c);
    }
    return topo_.peer.Exec(argv).output;
  }
  Topology6& topo_;
  uint32_t asn_;
  std::string vty_dir_;
  std::unique_ptr<Daemon> daemon_;
};

std::unique_ptr<PeerRouter> StartPeer(const std::string& kind, Topology6& t, uint32_t asn) {
  if (kind == "gobgp") return std::make_unique<Gobgp>(t, asn);
  if (kind == "bird") return std::make_unique<Bird>(t, asn);
  return std::make_unique<Frr>(t, asn);
}

void ExchangeOverIpv6(const std::string& kind, uint32_t peer_as) {
  const bool ibgp = peer_as == kOurAs;
  Topology6 topo;
  std::unique_ptr<PeerRouter> peer = StartPeer(kind, topo, peer_as);
  std::unique_ptr<Speaker> speaker = topo.StartSpeaker(peer_as);

  if (!WaitFor([&] { return IsEstablished(*speaker); }, 30s)) {
    FAIL("not established; ours: " << SessionStateName(speaker->Neighbors()[0].state) << " "
                                   << speaker->Neighbors()[0].last_error << "\n"
                                   << kind << ": " << peer->Diagnostics());
  }
  INFO(kind << ": " << peer->Diagnostics());
  CHECK(WaitFor([&] { return peer->SaysEstablished(); }, 10s));

  // Ours to the peer: next hop 2001:db8::1, AS path "65001" (eBGP) or empty + LOCAL_PREF 100.
  speaker->Originate(*IpPrefix::Parse(kOurV6Prefix));
  std::string shown;
  REQUIRE(WaitFor(
      [&] {
        shown = peer->OurRoute();
        return !shown.empty();
      },
      15s));
  INFO(kind << " shows our route: " << shown);
  peer->CheckOurRoute(shown, ibgp);

  // The peer's to us: its global address as next hop, its AS path, ORIGIN IGP.
  REQUIRE(WaitFor([&] { return FindInLocRib(*speaker, kPeerV6Prefix).has_value(); }, 15s));
  const std::optional<RibRoute> theirs = FindInLocRib(*speaker, kPeerV6Prefix);
  REQUIRE(theirs);
  CHECK(theirs->next_hop.ToString() == kPeerV6);
  CHECK(theirs->attributes.origin == Origin::kIgp);
  REQUIRE(theirs->attributes.as_path);
  CHECK(theirs->attributes.as_path->ToString() == (ibgp ? "" : std::to_string(peer_as)));
  if (ibgp) CHECK(theirs->attributes.local_pref == 100u);

  // Withdrawals both ways, the session staying up.
  speaker->Withdraw(*IpPrefix::Parse(kOurV6Prefix));
  CHECK(WaitFor([&] { return peer->OurRoute().empty(); }, 15s));
  peer->WithdrawItsRoute();
  CHECK(WaitFor([&] { return !FindInLocRib(*speaker, kPeerV6Prefix).has_value(); }, 15s));
  CHECK(IsEstablished(*speaker));
  speaker.reset();  // Cease, before the peer daemon goes
}

TEST_CASE("bgp interop over IPv6: eBGP with gobgpd", "[bgp][ipv6][gobgp]") {
  ExchangeOverIpv6("gobgp", 65002);
}
TEST_CASE("bgp interop over IPv6: iBGP with gobgpd", "[bgp][ipv6][gobgp]") {
  ExchangeOverIpv6("gobgp", kOurAs);
}
TEST_CASE("bgp interop over IPv6: eBGP with BIRD", "[bgp][ipv6][bird]") {
  ExchangeOverIpv6("bird", 65002);
}
TEST_CASE("bgp interop over IPv6: iBGP with BIRD", "[bgp][ipv6][bird]") {
  ExchangeOverIpv6("bird", kOurAs);
}
TEST_CASE("bgp interop over IPv6: eBGP with FRR bgpd", "[bgp][ipv6][frr]") {
  ExchangeOverIpv6("frr", 65002);
}
TEST_CASE("bgp interop over IPv6: iBGP with FRR bgpd", "[bgp][ipv6][frr]") {
  ExchangeOverIpv6("frr", kOurAs);
}

}  // namespace
}  // namespace kr::bgp::interop
