// kr-routed's flags: kube-router's names and defaults, the peer lists paired by position,
// base64 passwords, and the checks that reject inconsistent input at start-up.
#include "services/routed/routed_flags.h"

#include <catch2/catch.hpp>
#include <stdexcept>

namespace kr::routed {
namespace {

Expected<RoutedOptions> Parse(const std::vector<std::string>& args) {
  RoutedFlags f;
  flags::FlagSet fs("kr-routed", "test");
  f.Register(fs);
  auto parsed = fs.Parse(args);
  if (!parsed) return parsed.error();
  return f.ToOptions("node-1");
}

TEST_CASE("routed flags: defaults are kube-router's") {
  auto o = Parse({});
  REQUIRE(o.ok());
  CHECK(o->node_name == "node-1");
  CHECK(o->cluster_asn == 64512);
  CHECK(o->nodes_full_mesh);
  CHECK(o->enable_ibgp);
  CHECK(o->bgp_port == 179);
  CHECK(o->hold_time == 90);
  CHECK(o->enable_cni);
  CHECK(o->auto_mtu);
  CHECK(o->enable_overlay);
  CHECK(o->overlay_type == "subnet");
  CHECK(o->global_peers.empty());
  CHECK(o->enable_ipv4);
  CHECK_FALSE(o->enable_ipv6);
}

TEST_CASE("routed flags: address families for pod egress, at least one") {
  auto both = Parse({"--enable-ipv6"});
  REQUIRE(both.ok());
  CHECK(both->enable_ipv4);
  CHECK(both->enable_ipv6);
  auto v6 = Parse({"--enable-ipv4=false", "--enable-ipv6=true"});
  REQUIRE(v6.ok());
  CHECK_FALSE(v6->enable_ipv4);
  CHECK_FALSE(Parse({"--enable-ipv4=false"}).ok());
}

TEST_CASE("routed flags: external peers with ASNs, base64 passwords, ports and multihop") {
  auto o = Parse({"--cluster-asn=65001", "--peer-router-ips=198.51.100.1,198.51.100.2",
                  "--peer-router-asns=65100,65200",
                  "--peer-router-passwords=c2VjcmV0,b3RoZXI=", "--peer-router-ports=179,1179",
                  "--peer-router-multihop-ttl=3", "--bgp-holdtime=9s", "--nodes-full-mesh=false",
                  "--bgp-port=10179", "--cni-conf-file=/tmp/x.conflist", "--advertise-cluster-ip"});
  REQUIRE(o.ok());
  CHECK(o->cluster_asn == 65001);
  CHECK_FALSE(o->nodes_full_mesh);
  CHECK(o->hold_time == 9);
  CHECK(o->bgp_port == 10179);
  CHECK(o->cni_conf_file == "/tmp/x.conflist");
  CHECK(o->advertise_cluster_ip);
  REQUIRE(o->global_peers.size() == 2);
  CHECK(o->global_peers[0].address.ToString() == "198.51.100.1");
  CHECK(o->global_peers[0].asn == 65100);
  CHECK(o->global_peers[0].password == "secret");
  CHECK(o->global_peers[1].password == "other");
  CHECK(o->global_peers[1].port == 1179);
  CHECK(o->global_peers[1].multihop_ttl == std::optional<uint8_t>(3));
}

TEST_CASE("routed flags: inconsistent input is rejected") {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--peer-router-ips=198.51.100.1", "--peer-router-asns=1,2"},
           {"--peer-router-ips=198.51.100.1"},
           {"--peer-router-ips=198.51.100.1", "--peer-router-asns=65100",
            "--peer-router-passwords=%%%"},
           {"--peer-router-ips=198.51.100.1", "--peer-router-asns=65100",
            "--peer-router-ports=70000"},
           {"--cluster-asn=100"},
           {"--overlay-type=mesh"},
           {"--bgp-holdtime=1s"},
           {"--router-id=2001:db8::1"},
       }) {
    INFO(args[0]);
    CHECK_FALSE(Parse(args).ok());
  }
}

}  // namespace
}  // namespace kr::routed
