// ProxyController over FakeIpvsKernel and FakeVipLinkKernel: the bus-to-kernel rules of
// architecture.md (nothing written before in-sync), incremental syncs, VIPs and metrics.
#include "services/proxyd/proxy_controller.h"

#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>

#include "common/iptables/fake_iptables_runner.h"
#include "common/ipvs/fake_ipvs_kernel.h"
#include "common/metrics/registry.h"
#include "services/proxyd/core/test_fixtures.h"
#include "services/proxyd/kernel/fake_vip_link_kernel.h"

namespace kr::proxyd {
namespace {

using testing::IpvsadmText;
using testing::MakeEndpoint;
using testing::MakeEndpoints;
using testing::MakeService;

ipvs::Service Foreign(const char* ip, uint16_t port) {
  ipvs::Service service;
  service.key.address = ipvs::IpAddress::FromString(ip);
  service.key.protocol = ipvs::Protocol::kTcp;
  service.key.port = port;
  return service;
}

struct Fixture {
  explicit Fixture(ProxyOptions options = testing::MakeOptions(), ServiceGlueSeams glue = {})
      : vips(links, {}), metrics(registry), controller(options, ipvs, vips, &metrics, glue) {}
  Status Sync(SyncKind kind) { return controller.Sync(kind, stop.token()); }

  ipvs::FakeIpvsKernel ipvs;
  FakeVipLinkKernel links;
  DummyVips vips;
  metrics::Registry registry;
  ProxyMetrics metrics;
  ProxyController controller;
  StopSource stop;
};

TEST_CASE("Nothing reaches the kernel before the bus is in-sync; then one full sync") {
  Fixture f;
  // Left by an earlier run: in the cluster range, so ours once the view is complete.
  REQUIRE(f.ipvs.AddService(Foreign("10.96.0.99", 80)).ok());
  f.controller.UpsertService(MakeService("nginx", "10.96.0.10"));
  f.controller.UpsertEndpoints(MakeEndpoints("nginx", {MakeEndpoint("10.244.1.5", 80)}));
  REQUIRE(f.Sync(SyncKind::kFull).ok());
  CHECK(IpvsadmText(f.ipvs) == "TCP 10.96.0.99:80 rr\n");
  CHECK(f.links.Find("kube-dummy-if") == nullptr);

  f.controller.MarkInSync();
  REQUIRE(f.Sync(SyncKind::kFull).ok());
  CHECK(IpvsadmText(f.ipvs) == "TCP 10.96.0.10:80 rr\n  -> 10.244.1.5:80 Masq 1\n");
  CHECK(f.links.Find("kube-dummy-if")->addresses ==
        std::set<ipvs::IpAddress>{ipvs::IpAddress::FromString("10.96.0.10")});
  CHECK(f.metrics.services->Value() == 1);
  CHECK(f.metrics.destinations->Value() == 1);
  CHECK(f.metrics.programming_latency->Count() == 1);  // one service, its first event
}

TEST_CASE("An endpoint change is an incremental sync of that service only") {
  Fixture f;
  REQUIRE(f.ipvs.AddService(Foreign("203.0.113.5", 9999)).ok());  // not ours: stays
  f.controller.UpsertService(MakeService("nginx", "10.96.0.10"));
  f.controller.UpsertEndpoints(MakeEndpoints("nginx", {MakeEndpoint("10.244.1.5", 80)}));
  f.controller.MarkInSync();
  REQUIRE(f.Sync(SyncKind::kFull).ok());

  f.controller.UpsertEndpoints(
      MakeEndpoints("nginx", {MakeEndpoint("10.244.1.5", 80), MakeEndpoint("10.244.2.5", 80)}));
  REQUIRE(f.Sync(SyncKind::kIncremental).ok());
  CHECK(IpvsadmText(f.ipvs) ==
        "TCP 10.96.0.10:80 rr\n  -> 10.244.1.5:80 Masq 1\n  -> 10.244.2.5:80 Masq 1\n"
        "TCP 203.0.113.5:9999 rr\n");
  CHECK(f.metrics.ops_ok->Value() == 3);  // service + destination, then one destination

  f.controller.RemoveService("default/nginx");
  REQUIRE(f.Sync(SyncKind::kIncremental).ok());
  CHECK(IpvsadmText(f.ipvs) == "TCP 203.0.113.5:9999 rr\n");
  CHECK(f.links.Find("kube-dummy-if")->addresses.empty());
  CHECK(f.metrics.programming_latency->Count() == 3);
}

TEST_CASE("Cleanup removes our services and kube-dummy-if, nothing else") {
  Fixture f;
  REQUIRE(f.ipvs.AddService(Foreign("203.0.113.5", 9999)).ok());
  f.controller.UpsertService(MakeService("nginx", "10.96.0.10"));
  f.controller.MarkInSync();
  REQUIRE(f.Sync(SyncKind::kFull).ok());
  // A VIP outside the cluster range (an external IP of an earlier run) is ours by the interface.
  int dummy = *f.links.FindLink("kube-dummy-if").value();
  REQUIRE(f.links.AddAddress(dummy, ipvs::IpAddress::FromString("198.51.100.7")).ok());
  REQUIRE(f.ipvs.AddService(Foreign("198.51.100.7", 80)).ok());

  ProxyController cleaner(testing::MakeOptions(), f.ipvs, f.vips, nullptr);
  REQUIRE(cleaner.Cleanup().ok());
  CHECK(IpvsadmText(f.ipvs) == "TCP 203.0.113.5:9999 rr\n");
  CHECK(f.links.Find("kube-dummy-if") == nullptr);
}

// Records, at each IPVS service write, whether its address is on kube-dummy-if right then.
class VipCheckingKernel final : public ipvs::IpvsKernel {
 public:
  explicit VipCheckingKernel(FakeVipLinkKernel& links) : links_(links) {}
  Status AddService(const ipvs::Service& service) override {
    Note("add " + service.key.ToString(), service.key);
    return inner.AddService(service);
  }
  Status UpdateService(const ipvs::Service& service) override {
    return inner.UpdateService(service);
  }
  Status DeleteService(const ipvs::ServiceKey& key) override {
    Note("delete " + key.ToString(), key);
    return inner.DeleteService(key);
  }
  Status Flush() override { return inner.Flush(); }
  Expected<ipvs::ServiceEntry> GetService(const ipvs::ServiceKey& key) override {
    return inner.GetService(key);
  }
  Expected<std::vector<ipvs::ServiceEntry>> ListServices() override { return inner.ListServices(); }
  Status AddDestination(const ipvs::ServiceKey& s, const ipvs::Destination& d) override {
    return inner.AddDestination(s, d);
  }
  Status UpdateDestination(const ipvs::ServiceKey& s, const ipvs::Destination& d) override {
    return inner.UpdateDestination(s, d);
  }
  Status DeleteDestination(const ipvs::ServiceKey& s, const ipvs::DestinationKey& d) override {
    return inner.DeleteDestination(s, d);
  }
  Expected<std::vector<ipvs::DestinationEntry>> ListDestinations(
      const ipvs::ServiceKey& s) override {
    return inner.ListDestinations(s);
  }

  ipvs::FakeIpvsKernel inner;
  std::vector<std::string> events;  // "add TCP 10.96.0.10:80 VIP present"

 private:
  void Note(const std::string& what, const ipvs::ServiceKey& key) {
    const auto* link = links_.Find("kube-dummy-if");
    const bool present = link != nullptr && link->addresses.contains(key.address);
    events.push_back(what + (present ? " VIP present" : " VIP missing"));
  }
  FakeVipLinkKernel& links_;
};

TEST_CASE("A VIP is on kube-dummy-if before its virtual service exists and leaves after it") {
  FakeVipLinkKernel links;
  VipCheckingKernel ipvs(links);
  DummyVips vips(links, {});
  ProxyController controller(testing::MakeOptions(), ipvs, vips, nullptr);
  StopSource stop;
  controller.MarkInSync();

  SECTION("in a full sync") {
    controller.UpsertService(MakeService("nginx", "10.96.0.10"));
    REQUIRE(controller.Sync(SyncKind::kFull, stop.token()).ok());
    CHECK(ipvs.events == std::vector<std::string>{"add TCP 10.96.0.10:80 VIP present"});
    controller.RemoveService("default/nginx");
    REQUIRE(controller.Sync(SyncKind::kFull, stop.token()).ok());
    CHECK(ipvs.events.back() == "delete TCP 10.96.0.10:80 VIP present");
    CHECK(links.Find("kube-dummy-if")->addresses.empty());
  }
  SECTION("in incremental syncs") {
    REQUIRE(controller.Sync(SyncKind::kFull, stop.token()).ok());
    controller.UpsertService(MakeService("nginx", "10.96.0.10"));
    REQUIRE(controller.Sync(SyncKind::kIncremental, stop.token()).ok());
    CHECK(ipvs.events == std::vector<std::string>{"add TCP 10.96.0.10:80 VIP present"});
    // An endpoint change touches no address: no interface writes beyond the IPVS ones.
    const int link_writes = links.writes();
    controller.UpsertEndpoints(MakeEndpoints("nginx", {MakeEndpoint("10.244.1.5", 80)}));
    REQUIRE(controller.Sync(SyncKind::kIncremental, stop.token()).ok());
    CHECK(links.writes() == link_writes);
    controller.RemoveService("default/nginx");
    REQUIRE(controller.Sync(SyncKind::kIncremental, stop.token()).ok());
    CHECK(ipvs.events.back() == "delete TCP 10.96.0.10:80 VIP present");
    CHECK(links.Find("kube-dummy-if")->addresses.empty());
  }
}

std::string NatSave(iptables::FakeIptablesRunner& runner, iptables::IpFamily family) {
  auto saved = runner.Save(family);
  return saved ? *saved : saved.error().message;
}

TEST_CASE("iptables glue: hairpin and masquerade-all rules follow the services, once") {
  iptables::FakeIptablesRunner runner;
  // Someone else's rules in the same tables stay as they are.
  REQUIRE(runner
              .Restore(iptables::IpFamily::kIPv4,
                       "*nat\n:OTHER - [0:0]\n-A POSTROUTING -j OTHER\n-A OTHER -j MASQUERADE\n"
                       "COMMIT\n")
              .ok());
  ProxyOptions options = testing::MakeOptions();
  options.masquerade_all = true;
  Fixture f(options, {.iptables_v4 = &runner, .iptables_v6 = &runner});
  f.controller.UpsertNode(testing::MakeNode({"192.0.2.10", "2001:db8::10"}));
  model::Service nginx = MakeService("nginx", "10.96.0.10");
  nginx.annotations["kube-router.io/service.hairpin"] = "";
  f.controller.UpsertService(nginx);
  f.controller.UpsertEndpoints(MakeEndpoints(
      "nginx", {MakeEndpoint("10.244.1.5", 80), MakeEndpoint("10.244.2.5", 80, "node-b")}));
  f.controller.MarkInSync();
  REQUIRE(f.Sync(SyncKind::kFull).ok());

  const std::string v4 = NatSave(runner, iptables::IpFamily::kIPv4);
  INFO(v4);
  CHECK(v4.find("-A POSTROUTING -j OTHER\n") != std::string::npos);
  CHECK(v4.find("-A OTHER -j MASQUERADE\n") != std::string::npos);
  CHECK(v4.find("-A POSTROUTING -m ipvs --vdir ORIGINAL -m comment --comment "
                "kr-node:proxyd:postrouting -j KR-PROXY-POSTROUTING\n") != std::string::npos);
  CHECK(v4.find("-A KR-PROXY-HAIRPIN -s 10.244.1.5/32 -d 10.244.1.5/32 -p tcp -m ipvs --vaddr "
                "10.96.0.10 --vport 80 -j SNAT --to-source 10.96.0.10\n") != std::string::npos);
  CHECK(v4.find("10.244.2.5") == std::string::npos);  // not local: not ours to hairpin
  CHECK(v4.find("-A KR-PROXY-POSTROUTING -m ipvs --vdir ORIGINAL --vmethod MASQ -j SNAT "
                "--to-source 192.0.2.10 --random-fully\n") != std::string::npos);
  const std::string v6 = NatSave(runner, iptables::IpFamily::kIPv6);
  CHECK(v6.find("--to-source 2001:db8::10 --random-fully") != std::string::npos);

  SECTION("steady state: a full sync reads the rules and writes nothing") {
    const int restores = runner.restore_calls();
    REQUIRE(f.Sync(SyncKind::kFull).ok());
    CHECK(runner.restore_calls() == restores);
  }
  SECTION("an endpoint change without hairpin effect writes no rules") {
    const int restores = runner.restore_calls();
    const int saves = runner.save_calls();
    f.controller.UpsertEndpoints(MakeEndpoints(
        "nginx", {MakeEndpoint("10.244.1.5", 80), MakeEndpoint("10.244.3.5", 80, "node-c")}));
    REQUIRE(f.Sync(SyncKind::kIncremental).ok());
    CHECK(runner.restore_calls() == restores);
    CHECK(runner.save_calls() == saves);
  }
  SECTION("a new local endpoint adds its hairpin rule, without reading the kernel") {
    const int saves = runner.save_calls();
    f.controller.UpsertEndpoints(
        MakeEndpoints("nginx", {MakeEndpoint("10.244.1.5", 80), MakeEndpoint("10.244.1.6", 80)}));
    REQUIRE(f.Sync(SyncKind::kIncremental).ok());
    CHECK(runner.save_calls() == saves);
    CHECK(NatSave(runner, iptables::IpFamily::kIPv4).find("-s 10.244.1.6/32") != std::string::npos);
  }
  SECTION("drift is repaired by the full sync") {
    REQUIRE(runner.Restore(iptables::IpFamily::kIPv4, "*nat\n-F KR-PROXY-HAIRPIN\nCOMMIT\n").ok());
    REQUIRE(f.Sync(SyncKind::kFull).ok());
    CHECK(NatSave(runner, iptables::IpFamily::kIPv4) == v4);
  }
  SECTION("--cleanup-config removes our chains and jump, and only those") {
    ProxyController cleaner(options, f.ipvs, f.vips, nullptr,
                            {.iptables_v4 = &runner, .iptables_v6 = &runner});
    REQUIRE(cleaner.Cleanup().ok());
    const std::string after = NatSave(runner, iptables::IpFamily::kIPv4);
    INFO(after);
    CHECK(after.find("KR-PROXY") == std::string::npos);
    CHECK(after.find("-A OTHER -j MASQUERADE\n") != std::string::npos);
    CHECK(NatSave(runner, iptables::IpFamily::kIPv6).find("KR-PROXY") == std::string::npos);
  }
}

// A port nobody listens on now (the kernel's pick, released at once).
int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
  socklen_t length = sizeof sin;
  getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &length);
  close(fd);
  return ntohs(sin.sin_port);
}

TEST_CASE("healthCheckNodePort answers 200 with local endpoints, 503 without, and goes away") {
  HealthCheckResponder responder({.address = "127.0.0.1"});
  Fixture f(testing::MakeOptions(), {.health_checks = &responder});
  const int port = FreeLoopbackPort();
  model::Service lb = MakeService("lb", "10.96.0.50");
  lb.type = "LoadBalancer";
  lb.ports[0].node_port = 30050;
  lb.external_traffic_policy = "Local";
  lb.health_check_node_port = port;
  f.controller.UpsertNode(testing::MakeNode());
  f.controller.UpsertService(lb);
  f.controller.UpsertEndpoints(MakeEndpoints("lb", {MakeEndpoint("10.244.1.5", 80)}));
  f.controller.MarkInSync();
  REQUIRE(f.Sync(SyncKind::kFull).ok());
  REQUIRE(responder.ports() == std::vector<int>{port});

  httplib::Client client("127.0.0.1", port);
  auto ok = client.Get("/healthz");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(ok->body ==
        "{\n\t\"service\": {\n\t\t\"namespace\": \"default\",\n\t\t\"name\": \"lb\"\n\t},"
        "\n\t\"localEndpoints\": 1,\n\t\"serviceProxyHealthy\": true\n}");
  CHECK(ok->get_header_value("Content-Type") == "application/json");
  CHECK(ok->get_header_value("X-Content-Type-Options") == "nosniff");
  CHECK(ok->get_header_value("X-Load-Balancing-Endpoint-Weight") == "1");

  f.controller.UpsertEndpoints(
      MakeEndpoints("lb", {MakeEndpoint("10.244.2.5", 80, "node-b")}));  // none local now
  REQUIRE(f.Sync(SyncKind::kIncremental).ok());
  auto unavailable = client.Get("/");
  REQUIRE(unavailable);
  CHECK(unavailable->status == 503);
  CHECK(unavailable->body.find("\"localEndpoints\": 0,") != std::string::npos);

  f.controller.RemoveService("default/lb");
  REQUIRE(f.Sync(SyncKind::kIncremental).ok());
  CHECK(responder.ports().empty());
  CHECK_FALSE(client.Get("/healthz"));
}

}  // namespace
}  // namespace kr::proxyd

namespace kr::proxyd {
namespace {

// Records what the glue asks of DSR networking.
class RecordingDsr final : public DsrNetworking {
 public:
  Status Sync(const DsrWanted& wanted, bool full) override {
    last = wanted;
    ++syncs;
    full_syncs += full ? 1 : 0;
    return Status::Ok();
  }
  Status Cleanup() override {
    ++cleanups;
    return Status::Ok();
  }
  DsrWanted last;
  int syncs = 0, full_syncs = 0, cleanups = 0;
};

TEST_CASE("DSR services give the node their marks and their local endpoints the tunnels") {
  RecordingDsr dsr;
  Fixture f(testing::MakeOptions(), {.dsr = &dsr});
  model::Service service = MakeService("dsr", "10.96.0.60");
  service.external_ips = {"203.0.113.60"};
  service.annotations["kube-router.io/service.dsr"] = "tunnel";
  f.controller.UpsertService(service);
  f.controller.UpsertEndpoints(MakeEndpoints(
      "dsr", {MakeEndpoint("10.244.1.5", 80), MakeEndpoint("10.244.2.5", 80, "node-b")}));
  f.controller.MarkInSync();
  REQUIRE(f.Sync(SyncKind::kFull).ok());
  const auto vip = ipvs::IpAddress::FromString("203.0.113.60");
  const uint32_t mark = DsrFwmarkHash(vip, ipvs::Protocol::kTcp, 80);
  CHECK(dsr.last.marks == std::set<DsrPolicyRouting::Mark>{{AF_INET, mark}});
  CHECK(dsr.last.pod_tunnels ==
        PodTunnels::Wanted{{ipvs::IpAddress::FromString("10.244.1.5"), {vip}}});
  CHECK(dsr.full_syncs == 1);

  // An unrelated change does not touch DSR networking; a DSR endpoint change does.
  f.controller.UpsertService(MakeService("other", "10.96.0.61"));
  REQUIRE(f.Sync(SyncKind::kIncremental).ok());
  CHECK(dsr.syncs == 1);
  f.controller.UpsertEndpoints(MakeEndpoints("dsr", {MakeEndpoint("10.244.1.6", 80)}));
  REQUIRE(f.Sync(SyncKind::kIncremental).ok());
  CHECK(dsr.syncs == 2);
  CHECK(dsr.last.pod_tunnels ==
        PodTunnels::Wanted{{ipvs::IpAddress::FromString("10.244.1.6"), {vip}}});

  f.controller.RemoveService("default/dsr");
  REQUIRE(f.Sync(SyncKind::kIncremental).ok());
  CHECK(dsr.last == DsrWanted{});
  REQUIRE(f.controller.Cleanup().ok());
  CHECK(dsr.cleanups == 1);
}

TEST_CASE("the health check responder's default listens on IPv4 and IPv6 at once") {
  HealthCheckResponder responder({});
  const int port = FreeLoopbackPort();
  auto report = responder.Sync({{"default/lb", {.port = port, .local_endpoints = 2}}}, true);
  REQUIRE(report.failed.empty());
  for (const char* host : {"127.0.0.1", "::1"}) {
    INFO(host);
    httplib::Client client(host, port);
    auto reply = client.Get("/healthz");
    REQUIRE(reply);
    CHECK(reply->status == 200);
    CHECK(reply->get_header_value("X-Load-Balancing-Endpoint-Weight") == "2");
  }
}

}  // namespace
}  // namespace kr::proxyd
