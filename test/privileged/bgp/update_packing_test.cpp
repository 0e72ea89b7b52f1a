// UPDATE packing on the wire: our speaker sends gobgpd a table of 5,000 prefixes that share
// one attribute set, and gobgpd counts how many UPDATE messages carried them (one per prefix
// would be 5,000; packed into 4096-byte messages it is a handful).
#include <catch2/catch.hpp>
#include <regex>
#include <string>

#include "test/privileged/bgp/gobgp_peer.h"

namespace kr::bgp::interop {
namespace {

using kr::test::WaitFor;
using namespace std::chrono_literals;

constexpr int kPrefixes = 5000;

// "Updates:   <sent>   <received>" from `gobgp neighbor <addr>`; -1 when not found.
int UpdatesReceived(const std::string& neighbor) {
  std::smatch m;
  if (!std::regex_search(neighbor, m, std::regex(R"(Updates:\s+(\d+)\s+(\d+))"))) return -1;
  return std::stoi(m[2]);
}

// "Accepted: <n>" under Route statistics; -1 when not found.
int Accepted(const std::string& neighbor) {
  std::smatch m;
  if (!std::regex_search(neighbor, m, std::regex(R"(Accepted:\s+(\d+))"))) return -1;
  return std::stoi(m[1]);
}

TEST_CASE("bgp packing: 5,000 prefixes reach gobgpd in a handful of UPDATEs", "[bgp][gobgp]") {
  GobgpPeer f;
  f.StartGobgpd();
  SpeakerConfig sc;
  sc.local_as = kOurAs;
  sc.router_id = 0xc0000201;
  sc.listen_address = IpAddress::Parse(kOurAddress);
  sc.port = kInteropPort;
  sc.hold_time = 9;
  sc.connect_retry_seconds = 1;
  for (uint32_t i = 0; i < kPrefixes; ++i) {
    // 10.0.0.0/24, 10.0.1.0/24, ...
    sc.originate.push_back(IpPrefix(IpAddress::V4(0x0a000000u | i << 8), 24));
  }
  PeerConfig& pc = sc.peers.emplace_back();
  pc.address = *IpAddress::Parse(kPeerAddress);
  pc.peer_as = kGobgpAs;
  pc.port = kInteropPort;
  auto speaker = f.us.Run([&] { return Speaker::Create(sc); });
  REQUIRE(speaker);

  std::string neighbor;
  const bool all_there = WaitFor(
      [&] {
        neighbor = f.Gobgp({"neighbor", kOurAddress});
        return Accepted(neighbor) == kPrefixes;
      },
      30s);
  INFO("gobgp neighbor:\n" << neighbor << "\nlogs:\n" << f.Logs());
  REQUIRE(all_there);
  // 4 bytes per /24 in ~4,050 bytes of room: 5 UPDATEs, and one End-of-RIB.
  const int updates = UpdatesReceived(neighbor);
  CHECK(updates >= 2);
  CHECK(updates <= 8);
  CHECK(f.PeerHas("10.19.135.0/24"));  // the last one
  (*speaker).reset();
}

}  // namespace
}  // namespace kr::bgp::interop
