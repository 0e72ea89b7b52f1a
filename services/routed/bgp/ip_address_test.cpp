#include "services/routed/bgp/ip_address.h"

#include <catch2/catch.hpp>

namespace kr::bgp {
namespace {

TEST_CASE("bgp IpAddress parses and prints both families", "[bgp]") {
  auto v4 = IpAddress::Parse("192.0.2.1");
  REQUIRE(v4);
  CHECK(v4->is_v4());
  CHECK(v4->v4() == 0xc0000201);
  CHECK(v4->ToString() == "192.0.2.1");
  CHECK(*v4 == IpAddress::V4(0xc0000201));
  auto v6 = IpAddress::Parse("2001:db8::1");
  REQUIRE(v6);
  CHECK_FALSE(v6->is_v4());
  CHECK(v6->ToString() == "2001:db8::1");
  CHECK(IpAddress::Parse("fe80::1")->is_ipv6_link_local());
  CHECK_FALSE(v6->is_ipv6_link_local());
  CHECK_FALSE(IpAddress::Parse("192.0.2"));
  CHECK_FALSE(IpAddress::FromBytes(std::vector<uint8_t>{1, 2, 3}));
  CHECK(*IpAddress::Parse("192.0.2.1") < *IpAddress::Parse("192.0.2.2"));
}

TEST_CASE("bgp IpPrefix masks host bits and validates text", "[bgp]") {
  const IpPrefix p(*IpAddress::Parse("192.0.2.77"), 26);
  CHECK(p.ToString() == "192.0.2.64/26");
  CHECK(IpPrefix::Parse("2001:db8::/32")->length() == 32);
  CHECK_FALSE(IpPrefix::Parse("192.0.2.1/24"));  // host bits set
  CHECK_FALSE(IpPrefix::Parse("192.0.2.0/33"));
  CHECK_FALSE(IpPrefix::Parse("2001:db8::/129"));
  CHECK_FALSE(IpPrefix::Parse("192.0.2.0"));
  CHECK(IpPrefix::Parse("0.0.0.0/0")->ToString() == "0.0.0.0/0");
}

}  // namespace
}  // namespace kr::bgp
