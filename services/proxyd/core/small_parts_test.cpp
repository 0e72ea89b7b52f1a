// Cidr, annotations and DSR firewall marks.
#include <catch2/catch.hpp>

#include "services/proxyd/core/cidr.h"
#include "services/proxyd/core/dsr_fwmark.h"
#include "services/proxyd/core/service_annotations.h"

namespace kr::proxyd {
namespace {

using ipvs::IpAddress;

TEST_CASE("Cidr contains addresses of its prefix and family only") {
  Cidr v4 = *Cidr::Parse("10.96.0.0/12");
  CHECK(v4.Contains(IpAddress::FromString("10.96.0.1")));
  CHECK(v4.Contains(IpAddress::FromString("10.111.255.255")));
  CHECK_FALSE(v4.Contains(IpAddress::FromString("10.112.0.0")));
  CHECK_FALSE(v4.Contains(IpAddress::FromString("::ffff:10.96.0.1")));
  Cidr v6 = *Cidr::Parse("2001:db8::/33");
  CHECK(v6.Contains(IpAddress::FromString("2001:db8:7fff::1")));
  CHECK_FALSE(v6.Contains(IpAddress::FromString("2001:db8:8000::1")));
  CHECK(Cidr::Parse("192.0.2.1")->ToString() == "192.0.2.1/32");
  CHECK(Cidr::Parse("0.0.0.0/0")->Contains(IpAddress::FromString("203.0.113.1")));
  for (const char* bad : {"10.0.0.0/33", "10.0.0.0/", "10.0.0/8", "2001:db8::/129", "x/1"}) {
    INFO(bad);
    CHECK_FALSE(Cidr::Parse(bad).ok());
  }
}

TEST_CASE("annotations parse as kube-router reads them") {
  auto parsed = ParseServiceAnnotations({});
  REQUIRE(parsed.ok());
  CHECK(parsed->scheduler == "rr");
  CHECK(parsed->sched_flags == 0);
  CHECK_FALSE(parsed->dsr_tunnel);

  parsed = ParseServiceAnnotations({{"kube-router.io/service.schedflags", "flag-2, flag-3"},
                                    {"kube-router.io/service.hairpin", ""},
                                    {"kube-router.io/service.local", "true"}});
  REQUIRE(parsed.ok());
  CHECK(parsed->sched_flags == (ipvs::ServiceFlags::kSched2 | ipvs::ServiceFlags::kSched3));
  CHECK(parsed->hairpin);
  CHECK(parsed->local);
  CHECK_FALSE(ParseServiceAnnotations({{"kube-router.io/service.local", "yes"}}).ok());
  CHECK_FALSE(ParseServiceAnnotations({{"kube-router.io/service.schedflags", ""}}).ok());
}

TEST_CASE("DSR marks are stable, in our range, and distinct on a hash collision") {
  IpAddress vip = IpAddress::FromString("198.51.100.1");
  uint32_t mark = DsrFwmarkHash(vip, ipvs::Protocol::kTcp, 80);
  CHECK(mark == DsrFwmarkHash(vip, ipvs::Protocol::kTcp, 80));
  CHECK(mark != DsrFwmarkHash(vip, ipvs::Protocol::kUdp, 80));
  CHECK(IsDsrFwmark(mark));
  CHECK_FALSE(IsDsrFwmark(0x4000));
  CHECK_FALSE(IsDsrFwmark(mark + 0x4000));

  // Find two ports of the same VIP whose marks collide, then allocate both.
  std::map<uint32_t, uint16_t> seen;
  uint16_t first = 0;
  uint16_t second = 0;
  for (uint16_t port = 1; port < 65535 && second == 0; ++port) {
    auto [it, inserted] = seen.emplace(DsrFwmarkHash(vip, ipvs::Protocol::kTcp, port), port);
    if (!inserted) {
      first = it->second;
      second = port;
    }
  }
  REQUIRE(second != 0);
  DsrFwmarkAllocator allocator;
  auto a = allocator.Acquire({vip, ipvs::Protocol::kTcp, first});
  auto b = allocator.Acquire({vip, ipvs::Protocol::kTcp, second});
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(*a == DsrFwmarkHash(vip, ipvs::Protocol::kTcp, first));
  CHECK(*b != *a);
  CHECK(IsDsrFwmark(*b));
  CHECK(*allocator.Acquire({vip, ipvs::Protocol::kTcp, first}) == *a);  // same tuple, same mark
  allocator.Release({vip, ipvs::Protocol::kTcp, first});
  CHECK(allocator.size() == 1);
}

}  // namespace
}  // namespace kr::proxyd
