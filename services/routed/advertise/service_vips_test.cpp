#include "services/routed/advertise/service_vips.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/log/log.h"

namespace kr::routed::advertise {
namespace {

using Prefixes = std::vector<std::string>;

Prefixes Texts(const std::vector<route::IpPrefix>& prefixes) {
  Prefixes texts;
  for (const auto& prefix : prefixes) texts.push_back(prefix.ToString());
  return texts;
}

model::Service BaseService() {
  model::Service service;
  service.ns = "shop";
  service.name = "web";
  service.type = "LoadBalancer";
  service.cluster_ips = {"10.96.0.10", "fd00:96::10"};
  service.external_ips = {"192.0.2.10"};
  service.load_balancer_ips = {"198.51.100.7"};
  return service;
}

AdvertiseOptions AllFlags() {
  AdvertiseOptions options;
  options.node_name = "node-a";
  options.advertise_cluster_ip = true;
  options.advertise_external_ip = true;
  options.advertise_loadbalancer_ip = true;
  return options;
}

struct Case {
  const char* name;
  void (*edit_service)(model::Service&);
  void (*edit_options)(AdvertiseOptions&);
  Prefixes unconditional;
  Prefixes needs_local_endpoint;
};

const std::vector<Case> kCases = {
    {"all flags: every kind of IP, v4 and v6",
     [](model::Service&) {},
     [](AdvertiseOptions&) {},
     {"10.96.0.10/32", "192.0.2.10/32", "198.51.100.7/32", "fd00:96::10/128"},
     {}},
    {"no flags: nothing",
     [](model::Service&) {},
     [](AdvertiseOptions& o) {
       o.advertise_cluster_ip = o.advertise_external_ip = o.advertise_loadbalancer_ip = false;
     },
     {},
     {}},
    {"only --advertise-cluster-ip",
     [](model::Service&) {},
     [](AdvertiseOptions& o) { o.advertise_external_ip = o.advertise_loadbalancer_ip = false; },
     {"10.96.0.10/32", "fd00:96::10/128"},
     {}},
    {"annotation false overrides the cluster IP flag",
     [](model::Service& s) { s.annotations[kAdvertiseClusterIpAnnotation] = "false"; },
     [](AdvertiseOptions&) {},
     {"192.0.2.10/32", "198.51.100.7/32"},
     {}},
    {"annotation true overrides an unset external IP flag (ParseBool spelling)",
     [](model::Service& s) { s.annotations[kAdvertiseExternalIpAnnotation] = "T"; },
     [](AdvertiseOptions& o) {
       o.advertise_cluster_ip = o.advertise_external_ip = o.advertise_loadbalancer_ip = false;
     },
     {"192.0.2.10/32"},
     {}},
    {"loadbalancerip annotation true with the flag off",
     [](model::Service& s) { s.annotations[kAdvertiseLoadBalancerIpAnnotation] = "true"; },
     [](AdvertiseOptions& o) {
       o.advertise_cluster_ip = o.advertise_external_ip = o.advertise_loadbalancer_ip = false;
     },
     {"198.51.100.7/32"},
     {}},
    {"skiplbips wins over the loadbalancerip annotation",
     [](model::Service& s) {
       s.annotations[kSkipLbIpsAnnotation] = "";
       s.annotations[kAdvertiseLoadBalancerIpAnnotation] = "true";
     },
     [](AdvertiseOptions&) {},
     {"10.96.0.10/32", "192.0.2.10/32", "fd00:96::10/128"},
     {}},
    {"malformed annotation is ignored: the flag decides",
     [](model::Service& s) { s.annotations[kAdvertiseClusterIpAnnotation] = "yes please"; },
     [](AdvertiseOptions& o) { o.advertise_external_ip = o.advertise_loadbalancer_ip = false; },
     {"10.96.0.10/32", "fd00:96::10/128"},
     {}},
    {"externalTrafficPolicy Local: external and LB IPs need a local endpoint",
     [](model::Service& s) { s.external_traffic_policy = "Local"; },
     [](AdvertiseOptions&) {},
     {"10.96.0.10/32", "fd00:96::10/128"},
     {"192.0.2.10/32", "198.51.100.7/32"}},
    {"internalTrafficPolicy Local: cluster IPs need a local endpoint",
     [](model::Service& s) { s.internal_traffic_policy = "Local"; },
     [](AdvertiseOptions&) {},
     {"192.0.2.10/32", "198.51.100.7/32"},
     {"10.96.0.10/32", "fd00:96::10/128"}},
    {"service.local=true: everything needs a local endpoint",
     [](model::Service& s) { s.annotations[kLocalAnnotation] = "true"; },
     [](AdvertiseOptions&) {},
     {},
     {"10.96.0.10/32", "192.0.2.10/32", "198.51.100.7/32", "fd00:96::10/128"}},
    {"service.local other than \"true\" does nothing (as kube-router)",
     [](model::Service& s) { s.annotations[kLocalAnnotation] = "yes"; },
     [](AdvertiseOptions&) {},
     {"10.96.0.10/32", "192.0.2.10/32", "198.51.100.7/32", "fd00:96::10/128"},
     {}},
    {"NodePort: no LoadBalancer IPs even when listed",
     [](model::Service& s) { s.type = "NodePort"; },
     [](AdvertiseOptions&) {},
     {"10.96.0.10/32", "192.0.2.10/32", "fd00:96::10/128"},
     {}},
    {"ExternalName: nothing",
     [](model::Service& s) {
       s.type = "ExternalName";
       s.cluster_ips.clear();
     },
     [](AdvertiseOptions&) {},
     {},
     {}},
    {"headless: nothing, not even external IPs",
     [](model::Service& s) {
       s.type = "ClusterIP";
       s.headless = true;
       s.cluster_ips.clear();
     },
     [](AdvertiseOptions&) {},
     {},
     {}},
    {"malformed addresses are skipped, the others kept",
     [](model::Service& s) {
       s.external_ips = {"192.0.2.300", "192.0.2.11"};
       s.load_balancer_ips = {"lb.example.org"};
     },
     [](AdvertiseOptions&) {},
     {"10.96.0.10/32", "192.0.2.11/32", "fd00:96::10/128"},
     {}},
    {"an IP listed twice, once unconditionally, is advertised unconditionally",
     [](model::Service& s) {
       s.external_traffic_policy = "Local";
       s.external_ips = {"10.96.0.10"};
       s.load_balancer_ips.clear();
     },
     [](AdvertiseOptions&) {},
     {"10.96.0.10/32", "fd00:96::10/128"},
     {}},
};

TEST_CASE("ComputeServiceVips follows kube-router's flags, annotations and policies") {
  for (const Case& c : kCases) {
    SECTION(c.name) {
      model::Service service = BaseService();
      AdvertiseOptions options = AllFlags();
      c.edit_service(service);
      c.edit_options(options);
      const ServiceVips vips = ComputeServiceVips(service, options);
      CHECK(Texts(vips.unconditional) == c.unconditional);
      CHECK(Texts(vips.needs_local_endpoint) == c.needs_local_endpoint);
    }
  }
}

TEST_CASE("bad input is logged with the service's namespace/name") {
  std::vector<std::string> lines;
  log::Sink previous = log::SetSink([&](std::string_view line) { lines.emplace_back(line); });
  model::Service service = BaseService();
  service.external_ips = {"not-an-ip"};
  service.annotations[kAdvertiseClusterIpAnnotation] = "maybe";
  (void)ComputeServiceVips(service, AllFlags());
  log::SetSink(previous);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].find("shop/web") != std::string::npos);
  CHECK(lines[0].find("maybe") != std::string::npos);
  CHECK(lines[1].find("shop/web") != std::string::npos);
  CHECK(lines[1].find("not-an-ip") != std::string::npos);
}

TEST_CASE("Active adds the conditional prefixes only with a local endpoint") {
  ServiceVips vips;
  vips.unconditional = {route::IpPrefix::FromString("192.0.2.2/32")};
  vips.needs_local_endpoint = {route::IpPrefix::FromString("192.0.2.1/32")};
  CHECK(Texts(vips.Active(false)) == Prefixes{"192.0.2.2/32"});
  CHECK(Texts(vips.Active(true)) == Prefixes{"192.0.2.1/32", "192.0.2.2/32"});
}

TEST_CASE("HasReadyLocalEndpoint") {
  AdvertiseOptions options;
  options.node_name = "node-a";
  options.node_ips = {route::IpAddress::FromString("192.0.2.50")};
  model::Endpoints endpoints;
  endpoints.ns = "shop";
  endpoints.name = "web";
  model::Endpoint endpoint;
  endpoint.addresses = {"10.244.1.5"};

  SECTION("no endpoints") {
    CHECK_FALSE(HasReadyLocalEndpoint(endpoints, options));
  }
  SECTION("ready on this node") {
    endpoint.ready = true;
    endpoint.node_name = "node-a";
    endpoints.endpoints = {endpoint};
    CHECK(HasReadyLocalEndpoint(endpoints, options));
  }
  SECTION("on this node but not ready") {
    endpoint.node_name = "node-a";
    endpoint.serving = true;
    endpoints.endpoints = {endpoint};
    CHECK_FALSE(HasReadyLocalEndpoint(endpoints, options));
  }
  SECTION("ready on another node") {
    endpoint.ready = true;
    endpoint.node_name = "node-b";
    endpoints.endpoints = {endpoint};
    CHECK_FALSE(HasReadyLocalEndpoint(endpoints, options));
  }
  SECTION("no node name: local when the address is a node IP (host network)") {
    endpoint.ready = true;
    endpoints.endpoints = {endpoint};
    CHECK_FALSE(HasReadyLocalEndpoint(endpoints, options));
    endpoints.endpoints[0].addresses = {"192.0.2.50"};
    CHECK(HasReadyLocalEndpoint(endpoints, options));
  }
  SECTION("one local ready among others") {
    model::Endpoint remote = endpoint;
    remote.ready = true;
    remote.node_name = "node-b";
    endpoint.ready = true;
    endpoint.node_name = "node-a";
    endpoints.endpoints = {remote, endpoint};
    CHECK(HasReadyLocalEndpoint(endpoints, options));
  }
}

}  // namespace
}  // namespace kr::routed::advertise
