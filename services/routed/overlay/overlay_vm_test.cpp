// The overlay with real traffic (vm tier: the host kernel has no ipip module). Two node subnets
// joined by a router that knows nothing of pod CIDRs, so pod traffic between the nodes can
// only arrive through the tunnels TunnelSyncer makes:
//
//   pod-a 198.18.1.2 -- node-a 198.18.1.1 | eth0 192.0.2.10/24 -- 192.0.2.1 router
//   pod-b 198.18.2.2 -- node-b 198.18.2.1 | eth0 198.51.100.10/24 -- 198.51.100.1 router
//
// Run inside the VM by test/vm's runner:
//   <builddir>/test/support/vm-run -- <builddir>/services/routed/overlay/routed_overlay_vm_test
#include <net/if.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/route/netlink_route_kernel.h"
#include "common/route/route_sync.h"
#include "services/routed/overlay/tunnel_name.h"
#include "services/routed/overlay/tunnel_syncer.h"
#include "test/support/netns.h"
#include "test/support/tcp_probe.h"

namespace kr::routed::overlay {
namespace {

using route::IpAddress;
using route::IpPrefix;
using test::ConnectAndSeeSource;
using test::NetNs;

route::NetlinkRouteKernel KernelIn(const NetNs& ns) {
  return ns.Run([] {
    auto kernel = route::NetlinkRouteKernel::Create();
    if (!kernel) throw std::runtime_error(kernel.error().message);
    return std::move(*kernel);
  });
}

int IfIndex(const NetNs& ns, const std::string& name) {
  return ns.Run([&] { return static_cast<int>(if_nametoindex(name.c_str())); });
}

long Counter(const NetNs& ns, const std::string& ifname, const std::string& counter) {
  return std::stol(ns.ExecOrThrow({"cat", "/sys/class/net/" + ifname + "/statistics/" + counter}));
}

struct Node {
  Node(const std::string& tag, const NetNs& router, const char* router_if, const char* node_cidr,
       const char* gateway, const char* pod_gateway_cidr, const char* pod_cidr_address,
       const char* pod_gateway)
      : ns(tag),
        pod(tag + "-pod"),
        uplink(router, router_if, ns, "eth0"),
        pod_link(ns, "pod0", pod, "eth0") {
    ns.AddAddress("eth0", node_cidr);
    ns.ExecOrThrow({"ip", "route", "add", "default", "via", gateway});
    ns.ExecOrThrow({"sysctl", "-qw", "net.ipv4.ip_forward=1"});
    ns.AddAddress("pod0", pod_gateway_cidr);
    pod.AddAddress("eth0", pod_cidr_address);
    pod.ExecOrThrow({"ip", "route", "add", "default", "via", pod_gateway});
  }
  NetNs ns;
  NetNs pod;
  test::VethPair uplink;
  test::VethPair pod_link;
};

OverlayConfig ConfigFor(const NetNs& ns, const char* ip, const char* subnet, bool enabled) {
  OverlayConfig config;
  config.enabled = enabled;
  config.type = OverlayType::kSubnet;
  config.local = {{IpAddress::FromString(ip), IpPrefix::FromString(subnet)}};
  config.underlay_ifindex = IfIndex(ns, "eth0");
  return config;
}

// What routed-core does with the overlay: tunnels for the peers, then the learned pod CIDR
// shaped onto them and written with one route sync.
void SyncNode(TunnelSyncer& overlay, route::RouteKernel& kernel,
              const std::vector<IpAddress>& peers, const char* peer_pod_cidr,
              const IpAddress& peer_ip) {
  TunnelSyncResult result = overlay.Sync(peers);
  INFO(result.ToString());
  REQUIRE(result.ok());
  std::vector<route::Route> routes;
  if (auto route = overlay.Shape(IpPrefix::FromString(peer_pod_cidr), peer_ip)) {
    routes.push_back(*route);
  }
  route::SyncResult written = route::SyncRoutes(kernel, routes);
  INFO(written.ToString());
  REQUIRE(written.ok());
}

TEST_CASE("pods on nodes in different subnets talk through the IP-in-IP overlay") {
  NetNs router("router");
  router.ExecOrThrow({"sysctl", "-qw", "net.ipv4.ip_forward=1"});
  Node a("a", router, "eth-a", "192.0.2.10/24", "192.0.2.1", "198.18.1.1/24", "198.18.1.2/24",
         "198.18.1.1");
  Node b("b", router, "eth-b", "198.51.100.10/24", "198.51.100.1", "198.18.2.1/24", "198.18.2.2/24",
         "198.18.2.1");
  router.AddAddress("eth-a", "192.0.2.1/24");
  router.AddAddress("eth-b", "198.51.100.1/24");
  // An operator's tunnel on node a: never ours.
  a.ns.ExecOrThrow({"ip", "tunnel", "add", "tun-dc1", "mode", "ipip", "remote", "203.0.113.9",
                    "local", "192.0.2.10"});

  const IpAddress ip_a = IpAddress::FromString("192.0.2.10");
  const IpAddress ip_b = IpAddress::FromString("198.51.100.10");
  const std::vector<IpAddress> peers = {ip_a, ip_b};  // every node, ourselves included
  route::NetlinkRouteKernel kernel_a = KernelIn(a.ns);
  route::NetlinkRouteKernel kernel_b = KernelIn(b.ns);
  TunnelSyncer overlay_a(ConfigFor(a.ns, "192.0.2.10", "192.0.2.0/24", true), kernel_a);
  TunnelSyncer overlay_b(ConfigFor(b.ns, "198.51.100.10", "198.51.100.0/24", true), kernel_b);
  SyncNode(overlay_a, kernel_a, peers, "198.18.2.0/24", ip_b);
  SyncNode(overlay_b, kernel_b, peers, "198.18.1.0/24", ip_a);

  const std::string tunnel_a = TunnelName(ip_b);  // on a, towards b
  const std::string tunnel_b = TunnelName(ip_a);
  const std::string details = a.ns.ExecOrThrow({"ip", "-d", "link", "show", tunnel_a});
  INFO(details);
  CHECK(details.find("ipip remote 198.51.100.10 local 192.0.2.10 dev eth0") != std::string::npos);
  CHECK(a.ns.ExecOrThrow({"ip", "route", "show", "proto", "17"})
            .find("198.18.2.0/24 dev " + tunnel_a + " scope link src 192.0.2.10") !=
        std::string::npos);
  // The router cannot carry pod traffic itself.
  CHECK_FALSE(router.Exec({"ip", "route", "get", "198.18.2.2"}).ok());

  const long sent_before = Counter(a.ns, tunnel_a, "tx_packets");
  const long received_before = Counter(b.ns, tunnel_b, "rx_packets");
  CHECK(ConnectAndSeeSource(a.pod, b.pod, "198.18.2.2") == "198.18.1.2");
  CHECK(Counter(a.ns, tunnel_a, "tx_packets") > sent_before);
  CHECK(Counter(b.ns, tunnel_b, "rx_packets") > received_before);
  CHECK(ConnectAndSeeSource(b.pod, a.pod, "198.18.1.2") == "198.18.2.2");

  // One pass rather than sections: under emulation each setup costs tens of seconds.
  TunnelSyncResult again = overlay_a.Sync(peers);
  CHECK(again.ok());
  CHECK(again.created + again.deleted == 0);
  CHECK(IfIndex(a.ns, tunnel_a) == overlay_a.tunnels().at(tunnel_a).ifindex);

  // Overlay off on a: our tunnel and its route go, foreign tunnels stay.
  TunnelSyncer off(ConfigFor(a.ns, "192.0.2.10", "192.0.2.0/24", false), kernel_a);
  SyncNode(off, kernel_a, peers, "198.18.2.0/24", ip_b);
  CHECK_FALSE(a.ns.Exec({"ip", "link", "show", tunnel_a}).ok());
  CHECK(a.ns.ExecOrThrow({"ip", "route", "show", "proto", "17"}).empty());
  CHECK(a.ns.Exec({"ip", "link", "show", "tun-dc1"}).ok());
  CHECK(a.ns.Exec({"ip", "link", "show", "tunl0"}).ok());  // the ipip module's fallback

  // Cleanup on b removes our tunnel only.
  TunnelSyncResult cleaned = overlay_b.Cleanup();
  CHECK(cleaned.ok());
  CHECK(cleaned.deleted == 1);
  CHECK_FALSE(b.ns.Exec({"ip", "link", "show", tunnel_b}).ok());
  CHECK(b.ns.Exec({"ip", "link", "show", "tunl0"}).ok());
}

}  // namespace
}  // namespace kr::routed::overlay
