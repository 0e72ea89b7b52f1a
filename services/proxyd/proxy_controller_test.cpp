// ProxyController over FakeIpvsKernel and FakeVipLinkKernel: the bus-to-kernel rules of
// architecture.md (nothing written before in-sync), incremental syncs, VIPs and metrics.
#include "services/proxyd/proxy_controller.h"

#include <catch2/catch.hpp>

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
  Fixture()
      : vips(links, {}),
        metrics(registry),
        controller(testing::MakeOptions(), ipvs, vips, &metrics) {}
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

}  // namespace
}  // namespace kr::proxyd
