// kube-dummy-if management and the IPVS sysctls against their fakes.
#include <catch2/catch.hpp>

#include "services/proxyd/kernel/dummy_vips.h"
#include "services/proxyd/kernel/fake_vip_link_kernel.h"
#include "services/proxyd/kernel/sysctls.h"

namespace kr::proxyd {
namespace {

ipvs::IpAddress Ip(const char* text) {
  return ipvs::IpAddress::FromString(text);
}

TEST_CASE("DummyVips creates kube-dummy-if up and adds the wanted VIPs") {
  FakeVipLinkKernel kernel;
  DummyVips vips(kernel, {});
  auto report = vips.Sync({Ip("10.96.0.10"), Ip("2001:db8::10")}, true);
  REQUIRE(report.ok());
  CHECK(report->created);
  CHECK(report->added.size() == 2);
  const auto* link = kernel.Find("kube-dummy-if");
  REQUIRE(link != nullptr);
  CHECK(link->up);
  CHECK(link->addresses == std::set<ipvs::IpAddress>{Ip("10.96.0.10"), Ip("2001:db8::10")});
}

TEST_CASE("DummyVips keeps exactly the wanted VIPs, and deletes only when allowed") {
  FakeVipLinkKernel kernel;
  kernel.AddLink("eth0", true);
  DummyVips vips(kernel, {});
  REQUIRE(vips.Sync({Ip("10.96.0.10"), Ip("10.96.0.11")}, true).ok());

  auto before_in_sync = vips.Sync({Ip("10.96.0.12")}, false);
  REQUIRE(before_in_sync.ok());
  CHECK(before_in_sync->removed.empty());
  CHECK(kernel.Find("kube-dummy-if")->addresses.size() == 3);

  auto report = vips.Sync({Ip("10.96.0.12")}, true);
  REQUIRE(report.ok());
  CHECK(report->removed == std::vector<ipvs::IpAddress>{Ip("10.96.0.10"), Ip("10.96.0.11")});
  CHECK(kernel.Find("kube-dummy-if")->addresses == std::set<ipvs::IpAddress>{Ip("10.96.0.12")});

  const int writes = kernel.writes();
  auto steady = vips.Sync({Ip("10.96.0.12")}, true);
  REQUIRE(steady.ok());
  CHECK(steady->added.empty());
  CHECK(steady->removed.empty());
  CHECK(kernel.writes() == writes + 1);  // only the idempotent "set up"
}

TEST_CASE("DummyVips brings an existing interface up and reports its addresses") {
  FakeVipLinkKernel kernel;
  int index = kernel.AddLink("kube-dummy-if", false);
  REQUIRE(kernel.AddAddress(index, Ip("10.96.0.99")).ok());
  DummyVips vips(kernel, {});
  auto existing = vips.Existing();
  REQUIRE(existing.ok());
  CHECK(*existing == std::vector<ipvs::IpAddress>{Ip("10.96.0.99")});
  REQUIRE(vips.Sync({}, false).ok());
  CHECK(kernel.Find("kube-dummy-if")->up);
}

TEST_CASE("DummyVips leaves the interface's IPv6 link-local address alone") {
  FakeVipLinkKernel kernel;
  int index = kernel.AddLink("kube-dummy-if", true);
  REQUIRE(kernel.AddAddress(index, Ip("fe80::1")).ok());
  DummyVips vips(kernel, {});
  auto report = vips.Sync({Ip("10.96.0.10")}, true);
  REQUIRE(report.ok());
  CHECK(report->removed.empty());
  CHECK(kernel.Find("kube-dummy-if")->addresses.contains(Ip("fe80::1")));
  CHECK(vips.Existing()->size() == 1);
}

TEST_CASE("DummyVips dry run changes nothing") {
  FakeVipLinkKernel kernel;
  DummyVips vips(kernel, {.name = "kube-dummy-if", .dry_run = true});
  REQUIRE(vips.Sync({Ip("10.96.0.10")}, true).ok());
  CHECK(kernel.Find("kube-dummy-if") == nullptr);
  CHECK(kernel.writes() == 0);
}

TEST_CASE("DummyVips cleanup deletes the interface, other links stay") {
  FakeVipLinkKernel kernel;
  kernel.AddLink("eth0", true);
  DummyVips vips(kernel, {});
  REQUIRE(vips.Sync({Ip("10.96.0.10")}, true).ok());
  REQUIRE(vips.Cleanup().ok());
  CHECK(kernel.Find("kube-dummy-if") == nullptr);
  CHECK(kernel.Find("eth0") != nullptr);
  CHECK(vips.Cleanup().ok());  // nothing left: still fine
}

TEST_CASE("OtherLocalAddresses skips the VIPs") {
  FakeVipLinkKernel kernel;
  int eth0 = kernel.AddLink("eth0", true);
  REQUIRE(kernel.AddAddress(eth0, Ip("192.0.2.10")).ok());
  DummyVips vips(kernel, {});
  REQUIRE(vips.Sync({Ip("10.96.0.10")}, true).ok());
  auto local = vips.OtherLocalAddresses();
  REQUIRE(local.ok());
  CHECK(*local == std::vector<ipvs::IpAddress>{Ip("192.0.2.10")});
}

TEST_CASE("IPVS sysctls are kube-router's, and a failure does not stop the rest") {
  FakeSysctlWriter writer;
  writer.fail = {"net/ipv4/vs/conntrack"};
  Status applied = ApplySysctls(writer, IpvsSysctls(false), false);
  CHECK_FALSE(applied.ok());
  CHECK(writer.values == std::map<std::string, std::string>{
                             {"net/ipv4/vs/expire_nodest_conn", "1"},
                             {"net/ipv4/vs/expire_quiescent_template", "1"},
                             {"net/ipv4/conf/all/arp_ignore", "1"},
                             {"net/ipv4/conf/all/arp_announce", "2"},
                             {"net/ipv4/ip_forward", "1"},
                         });
  FakeSysctlWriter v6;
  REQUIRE(ApplySysctls(v6, IpvsSysctls(true), false).ok());
  CHECK(v6.values.at("net/ipv6/conf/all/forwarding") == "1");
  CHECK(v6.values.at("net/ipv6/conf/all/disable_ipv6") == "0");
  CHECK(v6.values.size() == writer.values.size() + 1 + 2);  // + conntrack, + the two IPv6 ones
  CHECK(v6.values.at("net/ipv4/vs/conntrack") == "1");
  FakeSysctlWriter dry;
  REQUIRE(ApplySysctls(dry, IpvsSysctls(true), true).ok());
  CHECK(dry.values.empty());
}

}  // namespace
}  // namespace kr::proxyd
