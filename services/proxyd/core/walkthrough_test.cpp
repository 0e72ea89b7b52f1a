// The seed documents' walkthroughs, on the fake kernel: what `ipvsadm -Ln` shows after proxyd
// programmed a service.
#include <catch2/catch.hpp>

#include "common/ipvs/fake_ipvs_kernel.h"
#include "services/proxyd/core/proxy_core.h"
#include "services/proxyd/core/test_fixtures.h"

namespace kr::proxyd {
namespace {

using namespace testing;

const TimePoint kT0{};

struct Walkthrough {
  ipvs::FakeIpvsKernel kernel;
  ProxyCore core{MakeOptions()};

  Walkthrough() { core.SetNode(MakeNode()); }

  std::string Sync() {
    SyncReport report = core.FullSync(kernel, kT0);
    REQUIRE(report.read_status.ok());
    REQUIRE(report.failures.empty());
    REQUIRE(report.service_errors.empty());
    return IpvsadmText(kernel);
  }
};

TEST_CASE("nginx port 80 with one endpoint is TCP clusterIP:80 rr with one Masq destination") {
  Walkthrough w;
  w.core.UpsertService(MakeService("nginx", "10.96.0.10"));
  w.core.UpsertEndpoints(MakeEndpoints("nginx", {MakeEndpoint("10.244.1.5", 80)}));
  CHECK(w.Sync() ==
        "TCP 10.96.0.10:80 rr\n"
        "  -> 10.244.1.5:80 Masq 1\n");
  CHECK(w.core.DummyVips() == std::set<ipvs::IpAddress>{ipvs::IpAddress::FromString("10.96.0.10")});
}

TEST_CASE("sessionAffinity ClientIP is rr persistent 10800, or the service's timeout") {
  Walkthrough w;
  model::Service nginx = MakeService("nginx", "10.96.0.10");
  nginx.session_affinity = "ClientIP";
  w.core.UpsertService(nginx);
  w.core.UpsertEndpoints(MakeEndpoints("nginx", {MakeEndpoint("10.244.1.5", 80)}));
  CHECK(w.Sync() ==
        "TCP 10.96.0.10:80 rr persistent 10800\n"
        "  -> 10.244.1.5:80 Masq 1\n");

  nginx.session_affinity_timeout_seconds = 600;
  w.core.UpsertService(nginx);
  SyncReport report = w.core.SyncService("default/nginx", w.kernel, kT0);
  REQUIRE(report.ops.size() == 1);
  CHECK(report.ops[0].kind == IpvsOp::Kind::kUpdateService);
  CHECK(IpvsadmText(w.kernel) ==
        "TCP 10.96.0.10:80 rr persistent 600\n"
        "  -> 10.244.1.5:80 Masq 1\n");
}

TEST_CASE("a NodePort service also appears on the node IP with its node port") {
  Walkthrough w;
  model::Service nginx = MakeService("nginx", "10.96.0.10");
  nginx.type = "NodePort";
  nginx.ports[0].node_port = 30080;
  w.core.UpsertService(nginx);
  w.core.UpsertEndpoints(MakeEndpoints("nginx", {MakeEndpoint("10.244.1.5", 80)}));
  CHECK(w.Sync() ==
        "TCP 10.96.0.10:80 rr\n"
        "  -> 10.244.1.5:80 Masq 1\n"
        "TCP 192.0.2.10:30080 rr\n"
        "  -> 10.244.1.5:80 Masq 1\n");
  // The node IP is not a VIP: it stays off kube-dummy-if.
  CHECK(w.core.DummyVips().size() == 1);
}

TEST_CASE("the scheduler annotation dh changes the scheduler in place") {
  Walkthrough w;
  model::Service nginx = MakeService("nginx", "10.96.0.10");
  w.core.UpsertService(nginx);
  w.core.UpsertEndpoints(MakeEndpoints("nginx", {MakeEndpoint("10.244.1.5", 80)}));
  w.Sync();
  nginx.annotations["kube-router.io/service.scheduler"] = "dh";
  w.core.UpsertService(nginx);
  SyncReport report = w.core.SyncService("default/nginx", w.kernel, kT0);
  REQUIRE(report.ops.size() == 1);
  CHECK(report.ops[0].kind == IpvsOp::Kind::kUpdateService);
  CHECK(IpvsadmText(w.kernel) ==
        "TCP 10.96.0.10:80 dh\n"
        "  -> 10.244.1.5:80 Masq 1\n");
}

TEST_CASE("three endpoints get three destinations") {
  Walkthrough w;
  w.core.UpsertService(MakeService("nginx", "10.96.0.10"));
  w.core.UpsertEndpoints(MakeEndpoints(
      "nginx", {MakeEndpoint("10.244.1.5", 80), MakeEndpoint("10.244.2.6", 80, "node-b"),
                MakeEndpoint("10.244.3.7", 80, "node-c")}));
  CHECK(w.Sync() ==
        "TCP 10.96.0.10:80 rr\n"
        "  -> 10.244.1.5:80 Masq 1\n"
        "  -> 10.244.2.6:80 Masq 1\n"
        "  -> 10.244.3.7:80 Masq 1\n");
}

TEST_CASE("a second sync after applying yields no ops (idempotence)") {
  Walkthrough w;
  model::Service web = MakeService("web", "10.96.0.20", 443, "https");
  web.type = "LoadBalancer";
  web.ports[0].node_port = 31443;
  web.external_ips = {"198.51.100.20"};
  web.load_balancer_ips = {"203.0.113.20"};
  web.session_affinity = "ClientIP";
  web.annotations["kube-router.io/service.scheduler"] = "mh";
  web.annotations["kube-router.io/service.schedflags"] = "flag-1,flag-2";
  w.core.UpsertService(web);
  model::Service dsr = MakeService("dsr", "10.96.0.21");
  dsr.external_ips = {"198.51.100.21"};
  dsr.annotations["kube-router.io/service.dsr"] = "tunnel";
  w.core.UpsertService(dsr);
  w.core.UpsertEndpoints(
      MakeEndpoints("web", {MakeEndpoint("10.244.1.5", 8443, kNodeName, "https")}));
  w.core.UpsertEndpoints(MakeEndpoints("dsr", {MakeEndpoint("10.244.1.6", 80)}));
  w.Sync();
  uint64_t messages = w.kernel.messages_sent();
  SyncReport second = w.core.FullSync(w.kernel, kT0);
  CHECK(ToString(second.ops).empty());
  SyncReport one = w.core.SyncService("default/web", w.kernel, kT0);
  CHECK(one.ops.empty());
  // The full sync only read (the dump); the incremental one sent nothing.
  CHECK(w.kernel.messages_sent() - messages == 1 + w.core.VirtualServiceCount());
}

}  // namespace
}  // namespace kr::proxyd
