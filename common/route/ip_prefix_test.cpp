#include "common/route/ip_prefix.h"

#include <catch2/catch.hpp>

namespace kr::route {
namespace {

TEST_CASE("IpPrefix parses IPv4 and IPv6 prefixes and host routes") {
  auto v4 = IpPrefix::Parse("198.51.100.0/24");
  REQUIRE(v4.ok());
  CHECK(v4->family() == AF_INET);
  CHECK(v4->length() == 24);
  CHECK(v4->ToString() == "198.51.100.0/24");

  auto v6 = IpPrefix::Parse("2001:db8:1::/48");
  REQUIRE(v6.ok());
  CHECK(v6->family() == AF_INET6);
  CHECK(v6->ToString() == "2001:db8:1::/48");

  auto host = IpPrefix::Parse("203.0.113.7");
  REQUIRE(host.ok());
  CHECK(host->length() == 32);
}

TEST_CASE("IpPrefix rejects host bits, bad lengths and garbage with EINVAL") {
  for (const char* text : {"198.51.100.1/24", "198.51.100.0/33", "2001:db8::/129", "10.0.0.0/",
                           "10.0.0.0/x", "nonsense", "10.0.0.0/24x"}) {
    INFO(text);
    auto parsed = IpPrefix::Parse(text);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().code == EINVAL);
  }
}

TEST_CASE("IpPrefix::Make masks host bits and Contains checks membership") {
  auto prefix = IpPrefix::Make(IpAddress::FromString("198.51.100.77"), 26);
  REQUIRE(prefix.ok());
  CHECK(prefix->ToString() == "198.51.100.64/26");
  CHECK(prefix->Contains(IpAddress::FromString("198.51.100.127")));
  CHECK_FALSE(prefix->Contains(IpAddress::FromString("198.51.100.128")));
  CHECK_FALSE(prefix->Contains(IpAddress::FromString("2001:db8::1")));

  auto v6 = IpPrefix::Make(IpAddress::FromString("2001:db8:ffff::1"), 36);
  REQUIRE(v6.ok());
  CHECK(v6->ToString() == "2001:db8:f000::/36");
  CHECK_FALSE(IpPrefix::Make(IpAddress::FromString("10.0.0.0"), 40).ok());
}

}  // namespace
}  // namespace kr::route
