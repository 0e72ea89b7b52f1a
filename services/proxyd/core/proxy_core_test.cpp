#include "services/proxyd/core/proxy_core.h"

#include <catch2/catch.hpp>

#include "common/ipvs/fake_ipvs_kernel.h"
#include "services/proxyd/core/test_fixtures.h"

namespace kr::proxyd {
namespace {

using namespace std::chrono_literals;
using namespace testing;
using ipvs::IpAddress;
using ipvs::ServiceKey;

const TimePoint kT0{};

ServiceKey Tcp(const std::string& ip, uint16_t port) {
  return ServiceKey::ForAddress(ipvs::Protocol::kTcp, IpAddress::FromString(ip), port);
}

std::string ClusterIp(int i) {
  return "10.96." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
}
std::string PodIp(int i, int j) {
  return "10.244." + std::to_string(i / 250) + "." + std::to_string((i % 250) + j * 0 + 1);
}

// n services svc-<i>, one endpoint each, fully synced.
void Populate(ProxyCore& core, ipvs::FakeIpvsKernel& kernel, int n) {
  for (int i = 0; i < n; ++i) {
    std::string name = "svc-" + std::to_string(i);
    core.UpsertService(MakeService(name, ClusterIp(i)));
    core.UpsertEndpoints(MakeEndpoints(name, {MakeEndpoint(PodIp(i, 0), 8080)}));
  }
  SyncReport full = core.FullSync(kernel, kT0);
  REQUIRE(full.failures.empty());
  REQUIRE(full.read_status.ok());
  REQUIRE(full.ops.size() == static_cast<size_t>(2 * n));
}

TEST_CASE("one endpoint change among 10,000 services is 1-2 ops and as many messages") {
  ipvs::FakeIpvsKernel kernel;
  ProxyCore core(MakeOptions());
  core.SetNode(MakeNode());
  Populate(core, kernel, 10000);
  REQUIRE(core.VirtualServiceCount() == 10000);

  const std::string key = "default/svc-1234";
  uint64_t before = kernel.messages_sent();
  core.UpsertEndpoints(MakeEndpoints(
      "svc-1234", {MakeEndpoint(PodIp(1234, 0), 8080), MakeEndpoint("10.250.0.1", 8080)}));
  SyncReport added = core.SyncService(key, kernel, kT0);
  CHECK(ToString(added.ops) ==
        "add-destination TCP " + ClusterIp(1234) + ":80 -> 10.250.0.1:8080 Masq 1\n");
  CHECK(kernel.messages_sent() - before == 1);

  before = kernel.messages_sent();
  core.UpsertEndpoints(MakeEndpoints(
      "svc-1234", {MakeEndpoint("10.250.0.2", 8080), MakeEndpoint("10.250.0.1", 8080)}));
  SyncReport replaced = core.SyncService(key, kernel, kT0);
  CHECK(replaced.ops.size() == 2);
  CHECK(replaced.failures.empty());
  CHECK(kernel.messages_sent() - before == 2);

  before = kernel.messages_sent();
  core.RemoveService(key);
  core.RemoveEndpoints(key);
  SyncReport removed = core.SyncService(key, kernel, kT0);
  CHECK(ToString(removed.ops) == "delete-service TCP " + ClusterIp(1234) + ":80\n");
  CHECK(kernel.messages_sent() - before == 1);
  CHECK(core.VirtualServiceCount() == 9999);
  // The mirror matched the kernel all along: a full sync finds nothing to do.
  CHECK(core.FullSync(kernel, kT0).ops.empty());
}

TEST_CASE("a full sync leaves other users' services alone and removes our leftovers") {
  ipvs::FakeIpvsKernel kernel;
  auto add = [&](const ServiceKey& key) {
    ipvs::Service service;
    service.key = key;
    REQUIRE(kernel.AddService(service).ok());
  };
  add(Tcp("198.51.100.7", 443));                            // someone else's
  add(Tcp(kNodeIp, 8443));                                  // node IP, port outside NodePort range
  add(ServiceKey::ForFwmark(AF_INET, 77));                  // someone else's fwmark
  add(Tcp("10.96.9.9", 80));                                // in our cluster IP range: a leftover
  add(Tcp(kNodeIp, 30999));                                 // a leftover NodePort
  add(ServiceKey::ForFwmark(AF_INET, kDsrFwmarkBase | 5));  // a leftover DSR mark
  add(Tcp("10.96.200.1", 80));                              // in the range but excluded
  add(Tcp("192.0.2.200", 80));                              // claimed from kube-dummy-if

  ProxyOptions options = MakeOptions();
  options.excluded_cidrs = {*Cidr::Parse("10.96.200.0/24")};
  ProxyCore core(options);
  core.SetNode(MakeNode());
  core.ClaimVips({IpAddress::FromString("192.0.2.200")});
  core.UpsertService(MakeService("nginx", "10.96.0.10"));
  SyncReport report = core.FullSync(kernel, kT0);
  CHECK(ToString(report.ops) ==
        "delete-service FWM 16777221 IPv4\n"
        "delete-service TCP 10.96.9.9:80\n"
        "delete-service TCP 192.0.2.10:30999\n"
        "delete-service TCP 192.0.2.200:80\n"
        "add-service TCP 10.96.0.10:80 rr\n");
  CHECK(IpvsadmText(kernel) ==
        "FWM 77 IPv4 rr\n"
        "TCP 10.96.0.10:80 rr\n"
        "TCP 10.96.200.1:80 rr\n"
        "TCP 192.0.2.10:8443 rr\n"
        "TCP 198.51.100.7:443 rr\n");
}

TEST_CASE("a restarted proxy finds its table programmed and sends nothing") {
  ipvs::FakeIpvsKernel kernel;
  auto load = [](ProxyCore& core) {
    core.SetNode(MakeNode());
    model::Service nginx = MakeService("nginx", "10.96.0.10");
    nginx.type = "NodePort";
    nginx.ports[0].node_port = 30080;
    nginx.session_affinity = "ClientIP";
    core.UpsertService(nginx);
    core.UpsertEndpoints(MakeEndpoints(
        "nginx", {MakeEndpoint("10.244.1.5", 80), MakeEndpoint("10.244.2.6", 80, "node-b")}));
  };
  ProxyCore first(MakeOptions());
  load(first);
  REQUIRE(first.FullSync(kernel, kT0).ops.size() == 6);
  ProxyCore second(MakeOptions());
  load(second);
  CHECK(second.FullSync(kernel, kT0 + 1h).ops.empty());
}

TEST_CASE("a bad service is skipped with its name; the others are programmed") {
  ipvs::FakeIpvsKernel kernel;
  ProxyCore core(MakeOptions());
  core.SetNode(MakeNode());
  core.UpsertService(MakeService("good", "10.96.0.10"));
  model::Service bad = MakeService("bad", "10.96.0.11");
  bad.annotations["kube-router.io/service.scheduler"] = "fastest";
  core.UpsertService(bad);
  SyncReport report = core.FullSync(kernel, kT0);
  REQUIRE(report.service_errors.size() == 1);
  CHECK(report.service_errors[0].service == "default/bad");
  CHECK_THAT(report.service_errors[0].error.message, Catch::Contains("fastest"));
  CHECK(core.service_errors().contains("default/bad"));
  CHECK(IpvsadmText(kernel) == "TCP 10.96.0.10:80 rr\n");

  SECTION("fixing it programs it and clears the error") {
    bad.annotations.clear();
    core.UpsertService(bad);
    SyncReport fixed = core.SyncService("default/bad", kernel, kT0);
    CHECK(fixed.service_errors.empty());
    CHECK(core.service_errors().empty());
    CHECK(ToString(fixed.ops) == "add-service TCP 10.96.0.11:80 rr\n");
  }
  SECTION("breaking a programmed service removes it") {
    model::Service good = MakeService("good", "10.96.0.10");
    good.ports[0].port = 0;
    core.UpsertService(good);
    SyncReport broken = core.SyncService("default/good", kernel, kT0);
    REQUIRE(broken.service_errors.size() == 1);
    CHECK(ToString(broken.ops) == "delete-service TCP 10.96.0.10:80\n");
  }
}

TEST_CASE("two services claiming one virtual service: the second is an error") {
  ipvs::FakeIpvsKernel kernel;
  ProxyCore core(MakeOptions());
  model::Service a = MakeService("a", "10.96.0.10");
  a.external_ips = {"198.51.100.5"};
  model::Service b = MakeService("b", "10.96.0.11");
  b.external_ips = {"198.51.100.5"};
  core.UpsertService(a);
  core.UpsertService(b);
  SyncReport report = core.FullSync(kernel, kT0);
  REQUIRE(report.service_errors.size() == 1);
  CHECK(report.service_errors[0].service == "default/b");
  CHECK(report.service_errors[0].error.code == EEXIST);
  CHECK(core.VirtualServiceCount() == 2);

  // Incrementally too; and once a is gone, b gets it.
  SyncReport again = core.SyncService("default/b", kernel, kT0);
  CHECK(again.service_errors.size() == 1);
  core.RemoveService("default/a");
  core.SyncService("default/a", kernel, kT0);
  SyncReport b_now = core.SyncService("default/b", kernel, kT0);
  CHECK(b_now.service_errors.empty());
  CHECK(b_now.ops.size() == 2);
  CHECK(IpvsadmText(kernel) == "TCP 10.96.0.11:80 rr\nTCP 198.51.100.5:80 rr\n");
}

TEST_CASE("a refused op marks its service stale; the next sync reads it back and repairs") {
  ipvs::FakeIpvsKernel kernel;
  ProxyCore core(MakeOptions());
  core.UpsertService(MakeService("nginx", "10.96.0.10"));
  core.FullSync(kernel, kT0);
  core.UpsertEndpoints(MakeEndpoints("nginx", {MakeEndpoint("10.244.1.5", 80)}));
  kernel.FailNextCall(ENOMEM);
  SyncReport failed = core.SyncService("default/nginx", kernel, kT0);
  REQUIRE(failed.failures.size() == 1);
  CHECK(failed.failures[0].error.code == ENOMEM);
  SyncReport retried = core.SyncService("default/nginx", kernel, kT0);
  CHECK(retried.failures.empty());
  CHECK(retried.ops.size() == 1);
  CHECK(IpvsadmText(kernel) == "TCP 10.96.0.10:80 rr\n  -> 10.244.1.5:80 Masq 1\n");
}

TEST_CASE("graceful termination timeline through the core and its tick") {
  ipvs::FakeIpvsKernel kernel;
  ProxyOptions options = MakeOptions();
  options.graceful_termination = true;
  options.graceful_period = 30s;
  ProxyCore core(options);
  core.UpsertService(MakeService("nginx", "10.96.0.10"));
  core.UpsertEndpoints(MakeEndpoints(
      "nginx", {MakeEndpoint("10.244.1.5", 80), MakeEndpoint("10.244.2.6", 80, "node-b")}));
  core.FullSync(kernel, kT0);
  ServiceKey vip = Tcp("10.96.0.10", 80);
  ipvs::DestinationKey gone{IpAddress::FromString("10.244.2.6"), 80};

  core.UpsertEndpoints(MakeEndpoints("nginx", {MakeEndpoint("10.244.1.5", 80)}));
  SyncReport removed = core.SyncService("default/nginx", kernel, kT0 + 1s);
  CHECK(ToString(removed.ops) == "update-destination TCP 10.96.0.10:80 -> 10.244.2.6:80 Masq 0\n");
  REQUIRE(kernel.SetDestinationCounters(vip, gone, 4, 1, 0).ok());

  CHECK(core.GracefulTick(kernel, kT0 + 6s).ops.empty());
  CHECK(core.GracefulTick(kernel, kT0 + 30s).ops.empty());
  SyncReport due = core.GracefulTick(kernel, kT0 + 31s);
  CHECK(ToString(due.ops) == "delete-destination TCP 10.96.0.10:80 -> 10.244.2.6:80\n");
  CHECK(core.graceful().size() == 0);
  CHECK(IpvsadmText(kernel) == "TCP 10.96.0.10:80 rr\n  -> 10.244.1.5:80 Masq 1\n");
  CHECK(core.GracefulTick(kernel, kT0 + 40s).ops.empty());
}

TEST_CASE("DSR services use their mark across syncs and release it when gone") {
  ipvs::FakeIpvsKernel kernel;
  ProxyCore core(MakeOptions());
  model::Service dsr = MakeService("dsr", "10.96.0.21");
  dsr.external_ips = {"198.51.100.21"};
  dsr.annotations["kube-router.io/service.dsr"] = "tunnel";
  core.UpsertService(dsr);
  core.UpsertEndpoints(MakeEndpoints("dsr", {MakeEndpoint("10.244.1.6", 80)}));
  core.FullSync(kernel, kT0);
  uint32_t mark = DsrFwmarkHash(IpAddress::FromString("198.51.100.21"), ipvs::Protocol::kTcp, 80);
  std::string expected = "FWM " + std::to_string(mark) + " IPv4 rr\n" +
                         "  -> 10.244.1.6:80 Tunnel 1\n" + "TCP 10.96.0.21:80 rr\n" +
                         "  -> 10.244.1.6:80 Masq 1\n";
  CHECK(IpvsadmText(kernel) == expected);
  CHECK(core.SyncService("default/dsr", kernel, kT0).ops.empty());
  core.RemoveService("default/dsr");
  CHECK(core.SyncService("default/dsr", kernel, kT0).ops.size() == 2);
  CHECK(IpvsadmText(kernel).empty());
}

}  // namespace
}  // namespace kr::proxyd

namespace kr::proxyd {
namespace {

using namespace testing;

TEST_CASE("a DSR tuple taken over by another Service in a full sync keeps its mark reserved") {
  const IpAddress vip = IpAddress::FromString("198.51.100.50");
  // A port whose mark collides with port 80's, to probe whether 80's mark is still taken.
  uint16_t colliding = 0;
  uint32_t mark80 = DsrFwmarkHash(vip, ipvs::Protocol::kTcp, 80);
  for (uint16_t port = 81; port < 65535 && colliding == 0; ++port) {
    if (DsrFwmarkHash(vip, ipvs::Protocol::kTcp, port) == mark80) colliding = port;
  }
  REQUIRE(colliding != 0);

  ipvs::FakeIpvsKernel kernel;
  ProxyCore core(MakeOptions());
  auto dsr_service = [&](const std::string& name, const std::string& cluster_ip, int port) {
    model::Service service = MakeService(name, cluster_ip, port);
    service.external_ips = {vip.ToString()};
    service.annotations["kube-router.io/service.dsr"] = "tunnel";
    return service;
  };
  core.UpsertService(dsr_service("a", "10.96.0.22", 80));
  REQUIRE(core.FullSync(kernel, TimePoint{}).service_errors.empty());
  model::Service a_plain = dsr_service("a", "10.96.0.22", 80);
  a_plain.external_ips.clear();
  core.UpsertService(a_plain);                             // sorts first, gives it up
  core.UpsertService(dsr_service("b", "10.96.0.23", 80));  // takes it over
  REQUIRE(core.FullSync(kernel, TimePoint{}).service_errors.empty());
  REQUIRE(core.desired().at("default/b").dsr_targets.at(0).fwmark == mark80);

  core.UpsertService(dsr_service("c", "10.96.0.24", colliding));
  SyncReport report = core.SyncService("default/c", kernel, TimePoint{});
  CHECK(report.service_errors.empty());
  REQUIRE(core.desired().contains("default/c"));
  uint32_t mark_c = core.desired().at("default/c").dsr_targets.at(0).fwmark;
  CHECK(mark_c != mark80);
  CHECK(IsDsrFwmark(mark_c));
}

}  // namespace
}  // namespace kr::proxyd
