#include "services/proxyd/core/desired_state.h"

#include <catch2/catch.hpp>

#include "services/proxyd/core/test_fixtures.h"

namespace kr::proxyd {
namespace {

using namespace testing;
using ipvs::IpAddress;
using ipvs::ServiceKey;

IpAddress Ip(const char* text) {
  return IpAddress::FromString(text);
}
ServiceKey Tcp(const char* ip, uint16_t port) {
  return ServiceKey::ForAddress(ipvs::Protocol::kTcp, Ip(ip), port);
}

// Destination "address:port" strings of one virtual service, sorted.
std::vector<std::string> Destinations(const ServiceDesired& desired, const ServiceKey& key) {
  std::vector<std::string> out;
  auto it = desired.virtual_services.find(key);
  if (it == desired.virtual_services.end()) return {"<no virtual service " + key.ToString() + ">"};
  for (const auto& [dest_key, destination] : it->second.destinations) {
    out.push_back(dest_key.ToString());
  }
  return out;
}

struct Fixture {
  ProxyOptions options = MakeOptions();
  std::vector<IpAddress> nodeport_ips = {Ip(kNodeIp)};
  DsrFwmarkAllocator fwmarks;

  Expected<ServiceDesired> Compute(const model::Service& service,
                                   const model::Endpoints* endpoints) {
    return ComputeServiceDesired(service, endpoints, options, nodeport_ips, fwmarks);
  }
  ServiceDesired MustCompute(const model::Service& service, const model::Endpoints* endpoints) {
    auto desired = Compute(service, endpoints);
    INFO((desired ? std::string() : desired.error().message));
    REQUIRE(desired.ok());
    return *desired;
  }
};

model::Service NodePortService() {
  model::Service service = MakeService("web", "10.96.0.30");
  service.type = "NodePort";
  service.ports[0].node_port = 30030;
  return service;
}

const model::Endpoints kLocalAndRemote = MakeEndpoints(
    "web", {MakeEndpoint("10.244.1.5", 80, kNodeName), MakeEndpoint("10.244.2.6", 80, "node-b")});

TEST_CASE("externalTrafficPolicy Local keeps NodePort to local endpoints, ClusterIP to all") {
  Fixture f;
  model::Service service = NodePortService();
  service.external_traffic_policy = "Local";
  ServiceDesired desired = f.MustCompute(service, &kLocalAndRemote);
  CHECK(desired.local_external);
  CHECK_FALSE(desired.local_internal);
  CHECK(Destinations(desired, Tcp("10.96.0.30", 80)) ==
        std::vector<std::string>{"10.244.1.5:80", "10.244.2.6:80"});
  CHECK(Destinations(desired, Tcp(kNodeIp, 30030)) == std::vector<std::string>{"10.244.1.5:80"});
}

TEST_CASE("internalTrafficPolicy Local keeps ClusterIP to local endpoints only") {
  Fixture f;
  model::Service service = NodePortService();
  service.internal_traffic_policy = "Local";
  ServiceDesired desired = f.MustCompute(service, &kLocalAndRemote);
  CHECK(Destinations(desired, Tcp("10.96.0.30", 80)) == std::vector<std::string>{"10.244.1.5:80"});
  CHECK(Destinations(desired, Tcp(kNodeIp, 30030)).size() == 2);
}

TEST_CASE("kube-router.io/service.local makes every address local-only") {
  Fixture f;
  model::Service service = NodePortService();
  service.annotations["kube-router.io/service.local"] = "true";
  ServiceDesired desired = f.MustCompute(service, &kLocalAndRemote);
  CHECK(Destinations(desired, Tcp("10.96.0.30", 80)) == std::vector<std::string>{"10.244.1.5:80"});
  CHECK(Destinations(desired, Tcp(kNodeIp, 30030)) == std::vector<std::string>{"10.244.1.5:80"});
}

TEST_CASE("a named target port resolves per endpoint, per service port") {
  Fixture f;
  model::Service service = MakeService("web", "10.96.0.31", 80, "http");
  model::ServicePort metrics;
  metrics.name = "metrics";
  metrics.port = 9100;
  metrics.target_port.name = "prom";
  service.ports.push_back(metrics);
  service.ports[0].target_port = {0, "web"};
  model::Endpoint a = MakeEndpoint("10.244.1.5", 8080, kNodeName, "http");
  a.ports.push_back({"metrics", "TCP", 9102});
  model::Endpoint b = MakeEndpoint("10.244.2.6", 8081, "node-b", "http");  // no metrics port
  model::Endpoints endpoints = MakeEndpoints("web", {a, b});
  ServiceDesired desired = f.MustCompute(service, &endpoints);
  CHECK(Destinations(desired, Tcp("10.96.0.31", 80)) ==
        std::vector<std::string>{"10.244.1.5:8080", "10.244.2.6:8081"});
  CHECK(Destinations(desired, Tcp("10.96.0.31", 9100)) ==
        std::vector<std::string>{"10.244.1.5:9102"});
}

TEST_CASE("terminating endpoints serve only when no endpoint is ready") {
  Fixture f;
  model::Service service = MakeService("web", "10.96.0.32");
  model::Endpoint ready = MakeEndpoint("10.244.1.5", 80);
  model::Endpoint terminating = MakeEndpoint("10.244.1.6", 80);
  terminating.ready = false;
  terminating.terminating = true;
  model::Endpoint not_serving = MakeEndpoint("10.244.1.7", 80);
  not_serving.ready = false;
  not_serving.serving = false;
  not_serving.terminating = true;
  model::Endpoint not_ready = MakeEndpoint("10.244.1.8", 80);
  not_ready.ready = false;
  not_ready.serving = false;

  model::Endpoints with_ready = MakeEndpoints("web", {ready, terminating, not_serving, not_ready});
  CHECK(Destinations(f.MustCompute(service, &with_ready), Tcp("10.96.0.32", 80)) ==
        std::vector<std::string>{"10.244.1.5:80"});
  model::Endpoints without_ready = MakeEndpoints("web", {terminating, not_serving, not_ready});
  CHECK(Destinations(f.MustCompute(service, &without_ready), Tcp("10.96.0.32", 80)) ==
        std::vector<std::string>{"10.244.1.6:80"});
  CHECK(Destinations(f.MustCompute(service, nullptr), Tcp("10.96.0.32", 80)).empty());
}

TEST_CASE("headless, ExternalName and service-proxy-name services are skipped without error") {
  Fixture f;
  model::Service headless = MakeService("a", "10.96.0.33");
  headless.headless = true;
  headless.cluster_ips = {"None"};
  model::Service external_name = MakeService("b", "10.96.0.34");
  external_name.type = "ExternalName";
  model::Service other_proxy = MakeService("c", "10.96.0.35");
  other_proxy.proxy_name = "someone-else";
  for (const auto& service : {headless, external_name, other_proxy}) {
    ServiceDesired desired = f.MustCompute(service, &kLocalAndRemote);
    CHECK(desired.virtual_services.empty());
    CHECK(desired.dummy_vips.empty());
  }
}

TEST_CASE("bad input makes the service an error naming the field") {
  Fixture f;
  struct Case {
    const char* what;
    std::function<void(model::Service&)> spoil;
    const char* message_part;
  };
  std::vector<Case> cases = {
      {"unknown scheduler",
       [](model::Service& s) { s.annotations["kube-router.io/service.scheduler"] = "wrr"; },
       "kube-router.io/service.scheduler=\"wrr\""},
      {"unknown sched flag",
       [](model::Service& s) { s.annotations["kube-router.io/service.schedflags"] = "flag-1,x"; },
       "kube-router.io/service.schedflags"},
      {"unknown dsr mode",
       [](model::Service& s) { s.annotations["kube-router.io/service.dsr"] = "direct"; },
       "kube-router.io/service.dsr"},
      {"port out of range", [](model::Service& s) { s.ports[0].port = 70000; },
       "port 70000 out of range"},
      {"node port out of range",
       [](model::Service& s) {
         s.type = "NodePort";
         s.ports[0].node_port = -1;
       },
       "nodePort -1 out of range"},
      {"invalid external IP", [](model::Service& s) { s.external_ips = {"300.1.2.3"}; },
       "externalIP \"300.1.2.3\""},
      {"invalid cluster IP", [](model::Service& s) { s.cluster_ips = {"10.96.0.x"}; },
       "clusterIP \"10.96.0.x\""},
      {"unknown protocol", [](model::Service& s) { s.ports[0].protocol = "ICMP"; }, "ICMP"},
      {"affinity timeout",
       [](model::Service& s) {
         s.session_affinity = "ClientIP";
         s.session_affinity_timeout_seconds = 100000;
       },
       "timeout 100000"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    model::Service service = MakeService("bad", "10.96.0.36");
    c.spoil(service);
    auto desired = f.Compute(service, &kLocalAndRemote);
    REQUIRE_FALSE(desired.ok());
    CHECK(desired.error().code == EINVAL);
    CHECK_THAT(desired.error().message, Catch::Contains(c.message_part));
  }
}

TEST_CASE("scheduler flags and schedulers from annotations") {
  Fixture f;
  model::Service service = MakeService("web", "10.96.0.37");
  service.annotations["kube-router.io/service.scheduler"] = "sh";
  service.annotations["kube-router.io/service.schedflags"] = "flag-1,flag-2,flag-3";
  ServiceDesired desired = f.MustCompute(service, nullptr);
  const ipvs::Service& vs = desired.virtual_services.at(Tcp("10.96.0.37", 80)).service;
  CHECK(vs.scheduler == "sh");
  CHECK(vs.flags ==
        (ipvs::ServiceFlags::kSched1 | ipvs::ServiceFlags::kSched2 | ipvs::ServiceFlags::kSched3));
  for (const char* name : {"rr", "lc", "dh", "mh"}) {
    service.annotations["kube-router.io/service.scheduler"] = name;
    CHECK(f.MustCompute(service, nullptr)
              .virtual_services.at(Tcp("10.96.0.37", 80))
              .service.scheduler == name);
  }
}

TEST_CASE("UDP and SCTP ports become virtual services of their protocol") {
  Fixture f;
  model::Service service = MakeService("dns", "10.96.0.38", 53, "dns");
  service.ports[0].protocol = "UDP";
  model::ServicePort sctp;
  sctp.name = "sig";
  sctp.protocol = "SCTP";
  sctp.port = 3868;
  service.ports.push_back(sctp);
  model::Endpoint endpoint = MakeEndpoint("10.244.1.5", 53, kNodeName, "dns");
  endpoint.ports[0].protocol = "UDP";
  endpoint.ports.push_back({"sig", "SCTP", 3868});
  model::Endpoints endpoints = MakeEndpoints("dns", {endpoint});
  ServiceDesired desired = f.MustCompute(service, &endpoints);
  auto udp = ServiceKey::ForAddress(ipvs::Protocol::kUdp, Ip("10.96.0.38"), 53);
  auto sctp_key = ServiceKey::ForAddress(ipvs::Protocol::kSctp, Ip("10.96.0.38"), 3868);
  CHECK(Destinations(desired, udp) == std::vector<std::string>{"10.244.1.5:53"});
  CHECK(Destinations(desired, sctp_key) == std::vector<std::string>{"10.244.1.5:3868"});
  CHECK(desired.virtual_services.size() == 2);
}

TEST_CASE("IPv6 and dual-stack services pair each address family with its own endpoints") {
  Fixture f;
  f.nodeport_ips = {Ip(kNodeIp), Ip("2001:db8::10")};
  model::Service service = NodePortService();
  service.cluster_ips = {"10.96.0.30", "fd00:96::30"};
  model::Endpoint dual = MakeEndpoint("10.244.1.5", 80);
  dual.addresses = {"10.244.1.5", "fd00:244::5"};
  model::Endpoint v6 = MakeEndpoint("fd00:244::6", 80, "node-b");
  model::Endpoints endpoints = MakeEndpoints("web", {dual, v6});
  ServiceDesired desired = f.MustCompute(service, &endpoints);
  CHECK(desired.virtual_services.size() == 4);
  CHECK(Destinations(desired, Tcp("10.96.0.30", 80)) == std::vector<std::string>{"10.244.1.5:80"});
  CHECK(Destinations(desired, Tcp("fd00:96::30", 80)) ==
        std::vector<std::string>{"[fd00:244::5]:80", "[fd00:244::6]:80"});
  CHECK(Destinations(desired, Tcp("2001:db8::10", 30030)).size() == 2);
  CHECK(Destinations(desired, Tcp(kNodeIp, 30030)).size() == 1);

  SECTION("a single-stack IPv6 service uses only the IPv6 node address") {
    service.cluster_ips = {"fd00:96::30"};
    ServiceDesired v6_only = f.MustCompute(service, &endpoints);
    CHECK(v6_only.virtual_services.size() == 2);
    CHECK(v6_only.virtual_services.contains(Tcp("2001:db8::10", 30030)));
    CHECK(v6_only.dummy_vips == std::set<IpAddress>{Ip("fd00:96::30")});
  }
}

TEST_CASE("external and LoadBalancer IPs are VIPs on kube-dummy-if; node IPs are not") {
  Fixture f;
  model::Service service = NodePortService();
  service.type = "LoadBalancer";
  service.external_ips = {"198.51.100.30"};
  service.load_balancer_ips = {"203.0.113.30"};
  ServiceDesired desired = f.MustCompute(service, &kLocalAndRemote);
  CHECK(desired.dummy_vips ==
        std::set<IpAddress>{Ip("10.96.0.30"), Ip("198.51.100.30"), Ip("203.0.113.30")});
  CHECK(desired.virtual_services.size() == 4);

  SECTION("skiplbips leaves the LoadBalancer IP out") {
    service.annotations["kube-router.io/service.skiplbips"] = "true";
    ServiceDesired skipped = f.MustCompute(service, &kLocalAndRemote);
    CHECK_FALSE(skipped.dummy_vips.contains(Ip("203.0.113.30")));
    CHECK(skipped.virtual_services.size() == 3);
  }
}

TEST_CASE("DSR tunnel serves external IPs as fwmark services with tunnel destinations") {
  Fixture f;
  model::Service service = MakeService("web", "10.96.0.40");
  service.external_ips = {"198.51.100.40"};
  service.annotations["kube-router.io/service.dsr"] = "tunnel";
  ServiceDesired desired = f.MustCompute(service, &kLocalAndRemote);
  REQUIRE(desired.dsr_targets.size() == 1);
  const DsrTarget& target = desired.dsr_targets[0];
  CHECK(target.vip == Ip("198.51.100.40"));
  CHECK(target.fwmark == DsrFwmarkHash(target.vip, ipvs::Protocol::kTcp, 80));
  CHECK(IsDsrFwmark(target.fwmark));
  auto key = ServiceKey::ForFwmark(AF_INET, target.fwmark);
  REQUIRE(desired.virtual_services.contains(key));
  for (const auto& [dest_key, destination] : desired.virtual_services.at(key).destinations) {
    CHECK(destination.forward == ipvs::ForwardMethod::kTunnel);
  }
  CHECK(desired.virtual_services.at(key).destinations.size() == 2);
  // The cluster IP stays a masquerading service; the DSR IP is routed by mark, not a VIP.
  CHECK(desired.virtual_services.at(Tcp("10.96.0.40", 80)).destinations.begin()->second.forward ==
        ipvs::ForwardMethod::kMasquerade);
  CHECK(desired.dummy_vips == std::set<IpAddress>{Ip("10.96.0.40")});
  // Only the local endpoint gets the pod side (a tunnel holding the external IP).
  CHECK(desired.dsr_pod_tunnels ==
        std::vector<DsrPodTunnel>{{Ip("10.244.1.5"), Ip("198.51.100.40")}});
}

TEST_CASE("hairpin from the annotation or --hairpin-mode is kept for the iptables glue") {
  Fixture f;
  model::Service service = MakeService("web", "10.96.0.41");
  CHECK_FALSE(f.MustCompute(service, nullptr).hairpin);
  service.annotations["kube-router.io/service.hairpin"] = "";
  CHECK(f.MustCompute(service, nullptr).hairpin);
  service.annotations.clear();
  f.options.hairpin_mode = true;
  CHECK(f.MustCompute(service, nullptr).hairpin);
}

TEST_CASE("hairpin rules: each local endpoint with the cluster IP and NodePorts it serves") {
  Fixture f;
  model::Service service = NodePortService();
  service.annotations["kube-router.io/service.hairpin"] = "";
  auto desired = f.MustCompute(service, &kLocalAndRemote);
  // Only the local endpoint 10.244.1.5; the remote one's node does its own hairpin.
  CHECK(desired.hairpin_rules == std::vector<HairpinRule>{
                                     {Ip("10.244.1.5"), Ip("10.96.0.30"), ipvs::Protocol::kTcp, 80},
                                     {Ip("10.244.1.5"), Ip(kNodeIp), ipvs::Protocol::kTcp, 30030},
                                 });
  service.annotations.clear();
  CHECK(f.MustCompute(service, &kLocalAndRemote).hairpin_rules.empty());
}

TEST_CASE("health check port: LoadBalancer with Local policy, and its local ready endpoints") {
  Fixture f;
  model::Service service = NodePortService();
  service.type = "LoadBalancer";
  service.health_check_node_port = 31742;
  auto cluster = f.MustCompute(service, &kLocalAndRemote);
  CHECK(cluster.health_check_node_port == 0);  // Cluster policy: every node serves
  service.external_traffic_policy = "Local";
  auto local = f.MustCompute(service, &kLocalAndRemote);
  CHECK(local.health_check_node_port == 31742);
  CHECK(local.local_ready_endpoints == 1);
  model::Endpoints not_ready = kLocalAndRemote;
  not_ready.endpoints[0].ready = false;
  CHECK(f.MustCompute(service, &not_ready).local_ready_endpoints == 0);
  service.health_check_node_port = 70000;
  auto bad = f.Compute(service, &kLocalAndRemote);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "healthCheckNodePort 70000 out of range 0-65535");
}

TEST_CASE("NodePort addresses: explicit node IPs, the Node's InternalIPs, or all local IPs") {
  ProxyOptions options = MakeOptions();
  model::Node node = MakeNode({"192.0.2.10", "2001:db8::10"});
  node.addresses.push_back({"ExternalIP", "198.51.100.99"});
  std::vector<IpAddress> local = {Ip("192.0.2.10"), Ip("192.0.2.77")};
  CHECK(NodePortAddresses(options, &node, local) ==
        std::vector<IpAddress>{Ip("192.0.2.10"), Ip("2001:db8::10")});
  options.nodeport_bind_on_all_ip = true;
  CHECK(NodePortAddresses(options, &node, local) == local);
  options.node_ips = {Ip("192.0.2.55")};
  CHECK(NodePortAddresses(options, &node, local) == std::vector<IpAddress>{Ip("192.0.2.55")});
}

}  // namespace
}  // namespace kr::proxyd
