// Our speaker (in-process, its io thread inside namespace "us") against gobgpd in namespace
// "peer", joined by a veth: eBGP and iBGP over IPv4, routes both ways, withdrawals both ways,
// TCP MD5 with the right and a wrong password. Checked with `gobgp` in the peer's namespace.
#include <catch2/catch.hpp>
#include <cctype>
#include <memory>
#include <string>

#include "services/routed/bgp/speaker.h"
#include "test/privileged/bgp/daemon.h"
#include "test/support/netns.h"

namespace kr::bgp {
namespace {

using kr::test::Daemon;
using kr::test::NetNs;
using kr::test::TempDir;
using kr::test::VethPair;
using kr::test::WaitFor;
using namespace std::chrono_literals;

constexpr uint16_t kPort = 10179;  // both sides listen and connect here
constexpr uint32_t kOurAs = 65001;
const char* kOurAddress = "192.0.2.1";
const char* kPeerAddress = "192.0.2.2";
const char* kOurPrefix = "198.51.100.0/24";
const char* kPeerPrefix = "203.0.113.0/24";

std::string GobgpConfig(uint32_t peer_as, const std::string& password) {
  std::string c = "[global.config]\n  as = " + std::to_string(peer_as) +
                  "\n  router-id = \"192.0.2.2\"\n  port = " + std::to_string(kPort) +
                  "\n[[neighbors]]\n  [neighbors.config]\n    neighbor-address = \"" + kOurAddress +
                  "\"\n    peer-as = " + std::to_string(kOurAs) + "\n";
  if (!password.empty()) c += "    auth-password = \"" + password + "\"\n";
  c += "  [neighbors.transport.config]\n    remote-port = " + std::to_string(kPort) +
       "\n  [neighbors.timers.config]\n    connect-retry = 1\n";
  for (const char* family : {"ipv4-unicast", "ipv6-unicast"}) {
    c += "  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n      afi-safi-name = \"" +
         std::string(family) + "\"\n";
  }
  return c;
}

// Two namespaces on a veth, gobgpd in "peer", our speaker in "us".
struct Fixture {
  explicit Fixture(uint32_t peer_as, const std::string& gobgp_password = "",
                   const std::string& our_password = "") {
    link = std::make_unique<VethPair>(us, "eth0", peer, "eth0");
    us.AddAddress("eth0", std::string(kOurAddress) + "/24");
    peer.AddAddress("eth0", std::string(kPeerAddress) + "/24");
    us.AddAddress("eth0", "2001:db8::1/64");
    peer.AddAddress("eth0", "2001:db8::2/64");
    config = dir.Write("gobgpd.toml", GobgpConfig(peer_as, gobgp_password));
    StartGobgpd();

    SpeakerConfig sc;
    sc.local_as = kOurAs;
    sc.router_id = 0xc0000201;
    sc.listen_address = IpAddress::Parse(kOurAddress);
    sc.port = kPort;
    sc.hold_time = 9;
    sc.connect_retry_seconds = 1;
    PeerConfig pc;
    pc.address = *IpAddress::Parse(kPeerAddress);
    pc.peer_as = peer_as;
    pc.port = kPort;
    pc.md5_password = our_password;
    pc.ttl = 1;
    pc.families = {kIpv4Unicast, kIpv6Unicast};
    pc.other_family_next_hop = IpAddress::Parse("2001:db8::1");
    sc.peers.push_back(pc);
    auto created = us.Run([&] { return Speaker::Create(sc); });
    if (!created) FAIL("Speaker::Create: " << created.error().message);
    speaker = std::move(*created);
  }
  ~Fixture() {
    speaker.reset();  // Cease to the peer, then join the io thread
    gobgpd.reset();
  }

  void StartGobgpd() {
    gobgpd = std::make_unique<Daemon>(
        peer,
        std::vector<std::string>{"gobgpd", "-f", config, "-p", "--pprof-disable", "--api-hosts",
                                 "127.0.0.1:50051"},
        dir.path() + "/gobgpd.log");
  }
  std::string Gobgp(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {"gobgp", "-u", "127.0.0.1", "-p", "50051"};
    argv.insert(argv.end(), args.begin(), args.end());
    return peer.Exec(argv).output;
  }
  // `gobgp neighbor <us>` says "BGP state = ESTABLISHED" (case varies between versions).
  bool PeerSaysEstablished() const {
    std::string text = Gobgp({"neighbor", kOurAddress});
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text.find("bgp state = established") != std::string::npos;
  }
  bool Established() {
    auto n = speaker->Neighbors();
    return !n.empty() && n[0].state == SessionState::kEstablished;
  }
  std::string Log() const {
    return kr::test::RunCommand({"cat", dir.path() + "/gobgpd.log"}).output;
  }
  const RibRoute* FindInLocRib(const std::string& prefix) {
    loc_rib = speaker->LocRib();
    for (const auto& r : loc_rib) {
      if (r.prefix.ToString() == prefix) return &r;
    }
    return nullptr;
  }

  NetNs us{"us"};
  NetNs peer{"peer"};
  std::unique_ptr<VethPair> link;
  TempDir dir;
  std::string config;
  std::unique_ptr<Daemon> gobgpd;
  std::unique_ptr<Speaker> speaker;
  std::vector<RibRoute> loc_rib;
};

// The line of `gobgp global rib` for `prefix`, or "" when it is not there.
std::string RibLine(const std::string& rib, const std::string& prefix) {
  size_t at = rib.find(prefix);
  if (at == std::string::npos) return "";
  size_t end = rib.find('\n', at);
  return rib.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

void ExchangeRoutes(Fixture& f, uint32_t peer_as) {
  const bool ibgp = peer_as == kOurAs;
  INFO("gobgpd log:\n" << f.Log());
  REQUIRE(WaitFor([&] { return f.Established(); }, 30s));
  INFO("gobgp neighbor: " << f.Gobgp({"neighbor", kOurAddress}));
  CHECK(f.PeerSaysEstablished());

  // Ours to GoBGP: next hop self, AS path "65001" over eBGP, empty and LOCAL_PREF 100 over iBGP.
  f.speaker->Originate(*IpPrefix::Parse(kOurPrefix));
  std::string line;
  REQUIRE(WaitFor(
      [&] {
        line = RibLine(f.Gobgp({"global", "rib", "-a", "ipv4"}), kOurPrefix);
        return !line.empty();
      },
      15s));
  INFO("gobgp global rib line: " << line);
  CHECK(line.find(kOurAddress) != std::string::npos);
  CHECK(line.find("Origin: i") != std::string::npos);
  if (ibgp) {
    CHECK(line.find("LocalPref: 100") != std::string::npos);
    CHECK(line.find(" 65001 ") == std::string::npos);
  } else {
    CHECK(line.find(" 65001 ") != std::string::npos);
  }

  // GoBGP's to us: in our Loc-RIB with its next hop and path.
  f.Gobgp({"global", "rib", "add", kPeerPrefix, "origin", "igp", "-a", "ipv4"});
  REQUIRE(WaitFor([&] { return f.FindInLocRib(kPeerPrefix) != nullptr; }, 15s));
  const RibRoute* route = f.FindInLocRib(kPeerPrefix);
  REQUIRE(route != nullptr);
  CHECK(route->next_hop.ToString() == kPeerAddress);
  CHECK(route->attributes.origin == Origin::kIgp);
  CHECK(route->attributes.as_path->ToString() == (ibgp ? "" : std::to_string(peer_as)));
  if (ibgp) CHECK(route->attributes.local_pref == 100u);

  // Withdrawals both ways.
  f.speaker->Withdraw(*IpPrefix::Parse(kOurPrefix));
  CHECK(WaitFor(
      [&] {
        return RibLine(f.Gobgp({"global", "rib", "-a", "ipv4"}), kOurPrefix).empty();
      },
      15s));
  f.Gobgp({"global", "rib", "del", kPeerPrefix, "-a", "ipv4"});
  CHECK(WaitFor([&] { return f.FindInLocRib(kPeerPrefix) == nullptr; }, 15s));
  CHECK(f.Established());
}

TEST_CASE("bgp interop: eBGP IPv4 with gobgpd, routes and withdrawals both ways", "[bgp][gobgp]") {
  Fixture f(65002);
  ExchangeRoutes(f, 65002);
}

TEST_CASE("bgp interop: IPv6 unicast over an IPv4 eBGP session with gobgpd", "[bgp][gobgp]") {
  Fixture f(65002);
  REQUIRE(WaitFor([&] { return f.Established(); }, 30s));
  f.speaker->Originate(*IpPrefix::Parse("2001:db8:100::/48"));
  std::string line;
  CHECK(WaitFor(
      [&] {
        line = RibLine(f.Gobgp({"global", "rib", "-a", "ipv6"}), "2001:db8:100::/48");
        return !line.empty();
      },
      15s));
  INFO("gobgp global rib -a ipv6: " << line);
  CHECK(line.find("2001:db8::1 ") != std::string::npos);
  CHECK(line.find(" 65001 ") != std::string::npos);

  f.Gobgp({"global", "rib", "add", "2001:db8:200::/48", "-a", "ipv6"});
  REQUIRE(WaitFor([&] { return f.FindInLocRib("2001:db8:200::/48") != nullptr; }, 15s));
  CHECK_FALSE(f.FindInLocRib("2001:db8:200::/48")->next_hop.is_v4());
  f.Gobgp({"global", "rib", "del", "2001:db8:200::/48", "-a", "ipv6"});
  CHECK(WaitFor([&] { return f.FindInLocRib("2001:db8:200::/48") == nullptr; }, 15s));
  f.speaker->Withdraw(*IpPrefix::Parse("2001:db8:100::/48"));
  CHECK(WaitFor(
      [&] {
        return RibLine(f.Gobgp({"global", "rib", "-a", "ipv6"}), "2001:db8:100::/48").empty();
      },
      15s));
}

TEST_CASE("bgp interop: the session and routes come back after gobgpd restarts", "[bgp][gobgp]") {
  Fixture f(65002);
  REQUIRE(WaitFor([&] { return f.Established(); }, 30s));
  f.speaker->Originate(*IpPrefix::Parse(kOurPrefix));
  REQUIRE(WaitFor(
      [&] {
        return !RibLine(f.Gobgp({"global", "rib", "-a", "ipv4"}), kOurPrefix).empty();
      },
      15s));
  f.gobgpd.reset();  // SIGTERM: it closes the session and exits
  CHECK(WaitFor([&] { return !f.Established(); }, 15s));
  f.StartGobgpd();
  INFO("our last error: " << f.speaker->Neighbors()[0].last_error);
  CHECK(WaitFor([&] { return f.Established(); }, 30s));
  CHECK(WaitFor(
      [&] {
        return !RibLine(f.Gobgp({"global", "rib", "-a", "ipv4"}), kOurPrefix).empty();
      },
      15s));
}

TEST_CASE("bgp interop: iBGP IPv4 with gobgpd, routes and withdrawals both ways", "[bgp][gobgp]") {
  Fixture f(kOurAs);
  ExchangeRoutes(f, kOurAs);
}

TEST_CASE("bgp interop: TCP MD5 with gobgpd establishes only with the right password",
          "[bgp][gobgp]") {
  {
    Fixture f(65002, "s3cret-md5", "s3cret-md5");
    INFO("gobgpd log:\n" << f.Log());
    CHECK(WaitFor([&] { return f.Established(); }, 30s));
  }
  {
    Fixture f(65002, "s3cret-md5", "wrong-md5");
    // Both sides retry every second; 8 s is several attempts each way, none may succeed.
    CHECK_FALSE(WaitFor([&] { return f.Established(); }, 8s));
    CHECK(f.Gobgp({"neighbor", kOurAddress}).find("BGP state = established") == std::string::npos);
  }
}

}  // namespace
}  // namespace kr::bgp
