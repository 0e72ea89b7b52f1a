// gobgpd as the peer in the interop Topology (namespace "peer", AS 65002, one neighbour: us),
// with graceful restart enabled for IPv4 unicast, and its CLI. The daemon is stopped by pid
// when the fixture goes (SIGTERM, then SIGKILL).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "test/privileged/bgp/interop_topology.h"

namespace kr::bgp::interop {

inline constexpr uint32_t kGobgpAs = 65002;
inline constexpr int kGobgpRestartTime = 60;  // seconds

inline std::string GobgpConfig() {
  std::string c =
      "[global.config]\n  as = " + std::to_string(kGobgpAs) +
      "\n  router-id = \"192.0.2.2\"\n  port = " + std::to_string(kInteropPort) +
      "\n[[neighbors]]\n  [neighbors.config]\n    neighbor-address = \"" + kOurAddress +
      "\"\n    peer-as = " + std::to_string(kOurAs) +
      "\n  [neighbors.transport.config]\n    remote-port = " + std::to_string(kInteropPort) +
      "\n  [neighbors.timers.config]\n    connect-retry = 1\n    hold-time = 9\n" +
      "  [neighbors.graceful-restart.config]\n    enabled = true\n    restart-time = " +
      std::to_string(kGobgpRestartTime) + "\n";
  c += "  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n"
       "      afi-safi-name = \"ipv4-unicast\"\n"
       "    [neighbors.afi-safis.mp-graceful-restart.config]\n      enabled = true\n";
  return c;
}

struct GobgpPeer : Topology {
  GobgpPeer() { config = dir.Write("gobgpd.toml", GobgpConfig()); }
  ~GobgpPeer() { gobgpd.reset(); }

  // `restarting`: gobgpd -r, the R bit (and F bit) in its OPEN.
  void StartGobgpd(bool restarting = false) {
    std::vector<std::string> argv = {"gobgpd",          "-f",          config,           "-p",
                                     "--pprof-disable", "--api-hosts", "127.0.0.1:50051"};
    if (restarting) argv.push_back("-r");
    gobgpd = std::make_unique<kr::test::Daemon>(peer, argv, dir.path() + "/gobgpd.log");
  }
  std::string Gobgp(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {"gobgp", "-u", "127.0.0.1", "-p", "50051"};
    argv.insert(argv.end(), args.begin(), args.end());
    return peer.Exec(argv).output;
  }
  bool PeerSaysEstablished() const {
    return Lower(Gobgp({"neighbor", kOurAddress})).find("bgp state = established") !=
           std::string::npos;
  }
  bool PeerHas(const std::string& prefix) const {
    return Gobgp({"global", "rib", "-a", "ipv4"}).find(prefix) != std::string::npos;
  }
  // The last lines of every log in the scratch directory.
  std::string Logs() const {
    return kr::test::RunCommand({"sh", "-c", "tail -n 80 " + dir.path() + "/*.log"}).output;
  }

  std::string config;
  std::unique_ptr<kr::test::Daemon> gobgpd;
};

}  // namespace kr::bgp::interop
