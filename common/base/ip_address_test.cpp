#include "common/base/ip_address.h"

#include <catch2/catch.hpp>

namespace kr {
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
  CHECK(IpAddress().ToString() == "unspecified");
}

TEST_CASE("IpAddress refuses what is not an address") {
  for (const char* text : {"", "192.0.2", "192.0.2.256", "2001:db8:::1", "host.example"}) {
    auto parsed = IpAddress::Parse(text);
    CHECK_FALSE(parsed.ok());
    if (!parsed.ok()) CHECK(parsed.error().code == EINVAL);
  }
}

TEST_CASE("IpAddress from bytes: exactly the family's length, or at least it when padded") {
  const uint8_t bytes[16] = {198, 51, 100, 7};
  auto v4 = IpAddress::FromBytes(AF_INET, std::span(bytes, 4));
  REQUIRE(v4.ok());
  CHECK(v4->ToString() == "198.51.100.7");
  CHECK(IpAddress::FromBytes(AF_INET, bytes).error().code == EINVAL);  // 16 for IPv4
  CHECK(IpAddress::FromBytes(AF_INET6, std::span(bytes, 4)).error().code == EINVAL);
  CHECK(IpAddress::FromBytes(AF_UNIX, bytes).error().code == EAFNOSUPPORT);

  auto padded = IpAddress::FromPaddedBytes(AF_INET, bytes);  // IPVS's 16-byte union
  REQUIRE(padded.ok());
  CHECK(*padded == *v4);
  CHECK(IpAddress::FromPaddedBytes(AF_INET6, std::span(bytes, 4)).error().code == EINVAL);
  CHECK(IpAddress::FromPaddedBytes(AF_UNIX, bytes).error().code == EAFNOSUPPORT);
}

TEST_CASE("IpAddress orders by family, then bytes") {
  CHECK(IpAddress::FromString("10.0.0.1") < IpAddress::FromString("10.0.0.2"));
  CHECK(IpAddress::FromString("10.0.0.1") == IpAddress::FromString("10.0.0.1"));
  CHECK(IpAddress::FromString("255.0.0.1") < IpAddress::FromString("::1"));
  CHECK(IpAddress().is_unspecified());
}

}  // namespace
}  // namespace kr
