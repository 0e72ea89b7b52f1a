#include "common/ipvs/ip_address.h"

#include <catch2/catch.hpp>

#include "common/ipvs/ipvs_types.h"

namespace kr::ipvs {
namespace {

TEST_CASE("IpAddress parses and prints IPv4 and IPv6") {
  auto v4 = IpAddress::Parse("192.0.2.10");
  REQUIRE(v4.ok());
  CHECK(v4->is_v4());
  CHECK(v4->bytes().size() == 4);
  CHECK(v4->bytes()[0] == 192);
  CHECK(v4->bytes()[3] == 10);
  CHECK(v4->ToString() == "192.0.2.10");

  auto v6 = IpAddress::Parse("2001:db8:0:0::1");
  REQUIRE(v6.ok());
  CHECK(v6->is_v6());
  CHECK(v6->bytes().size() == 16);
  CHECK(v6->ToString() == "2001:db8::1");
}

TEST_CASE("IpAddress refuses what is not an address") {
  for (const char* text : {"", "192.0.2", "192.0.2.256", "2001:db8:::1", "host.example"}) {
    auto parsed = IpAddress::Parse(text);
    CHECK_FALSE(parsed.ok());
    if (!parsed.ok()) CHECK(parsed.error().code == EINVAL);
  }
}

TEST_CASE("IpAddress from bytes checks family and length") {
  const uint8_t bytes[16] = {198, 51, 100, 7};
  auto v4 = IpAddress::FromBytes(AF_INET, bytes);
  REQUIRE(v4.ok());
  CHECK(v4->ToString() == "198.51.100.7");
  CHECK(IpAddress::FromBytes(AF_INET6, std::span(bytes, 4)).error().code == EINVAL);
  CHECK(IpAddress::FromBytes(AF_UNIX, bytes).error().code == EAFNOSUPPORT);
}

TEST_CASE("IpAddress orders by family, then bytes") {
  CHECK(IpAddress::FromString("10.0.0.1") < IpAddress::FromString("10.0.0.2"));
  CHECK(IpAddress::FromString("10.0.0.1") == IpAddress::FromString("10.0.0.1"));
  CHECK(IpAddress::FromString("255.0.0.1") < IpAddress::FromString("::1"));
  CHECK(IpAddress().is_unspecified());
}

TEST_CASE("ServiceKey prints like ipvsadm and normalizes fwmark keys") {
  CHECK(
      ServiceKey::ForAddress(Protocol::kTcp, IpAddress::FromString("192.0.2.10"), 80).ToString() ==
      "TCP 192.0.2.10:80");
  CHECK(
      ServiceKey::ForAddress(Protocol::kSctp, IpAddress::FromString("2001:db8::1"), 9).ToString() ==
      "SCTP [2001:db8::1]:9");
  CHECK(ServiceKey::ForFwmark(AF_INET6, 7).ToString() == "FWM 7 IPv6");
  CHECK(ServiceKey::ForFwmark(AF_INET, 7) == ServiceKey::ForFwmark(AF_INET, 7));
  CHECK(ServiceKey::ForFwmark(AF_INET, 7) != ServiceKey::ForFwmark(AF_INET6, 7));
  CHECK(ServiceKey::ForAddress(Protocol::kTcp, IpAddress::FromString("192.0.2.10"), 80) !=
        ServiceKey::ForAddress(Protocol::kUdp, IpAddress::FromString("192.0.2.10"), 80));
}

}  // namespace
}  // namespace kr::ipvs
