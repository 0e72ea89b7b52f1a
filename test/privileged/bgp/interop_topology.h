// What every interop test needs: namespaces "us" (our speaker, 192.0.2.1, AS 65001) and
// "peer" (the other implementation, 192.0.2.2) joined by a veth, a scratch directory, and
// our speaker started inside "us" peering with 192.0.2.2 on port kInteropPort (both sides
// listen and connect there; connect retry 1 s, hold time 9 s so failures show fast).
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "services/routed/bgp/speaker.h"
#include "test/privileged/bgp/daemon.h"
#include "test/support/netns.h"

namespace kr::bgp::interop {

inline constexpr uint16_t kInteropPort = 10179;
inline constexpr uint32_t kOurAs = 65001;
inline constexpr const char* kOurAddress = "192.0.2.1";
inline constexpr const char* kPeerAddress = "192.0.2.2";
inline constexpr const char* kOurPrefix = "198.51.100.0/24";
inline constexpr const char* kPeerPrefix = "203.0.113.0/24";

struct Topology {
  Topology() : link(us, "eth0", peer, "eth0") {
    us.AddAddress("eth0", std::string(kOurAddress) + "/24");
    peer.AddAddress("eth0", std::string(kPeerAddress) + "/24");
  }

  std::unique_ptr<Speaker> StartSpeaker(uint32_t peer_as, const std::string& password = "") {
    SpeakerConfig sc;
    sc.local_as = kOurAs;
    sc.router_id = 0xc0000201;
    sc.listen_address = IpAddress::Parse(kOurAddress);
    sc.port = kInteropPort;
    sc.hold_time = 9;
    sc.connect_retry_seconds = 1;
    PeerConfig pc;
    pc.address = *IpAddress::Parse(kPeerAddress);
    pc.peer_as = peer_as;
    pc.port = kInteropPort;
    pc.md5_password = password;
    pc.ttl = 1;
    sc.peers.push_back(pc);
    auto created = us.Run([&] { return Speaker::Create(sc); });
    if (!created) FAIL("Speaker::Create: " << created.error().message);
    return std::move(*created);
  }

  kr::test::NetNs us{"us"};
  kr::test::NetNs peer{"peer"};
  kr::test::VethPair link;
  kr::test::TempDir dir;
};

inline bool IsEstablished(Speaker& speaker) {
  auto n = speaker.Neighbors();
  return !n.empty() && n[0].state == SessionState::kEstablished;
}

inline std::optional<RibRoute> FindInLocRib(Speaker& speaker, const std::string& prefix) {
  for (const auto& r : speaker.LocRib()) {
    if (r.prefix.ToString() == prefix) return r;
  }
  return std::nullopt;
}

inline std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace kr::bgp::interop
