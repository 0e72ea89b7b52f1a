#include "common/ipset/ipset_member.h"

#include <catch2/catch.hpp>

namespace kr::ipset {
namespace {

std::string Canonical(SetType type, Family family, std::string_view member) {
  auto result = CanonicalMember(type, family, member);
  REQUIRE(result.ok());
  return *result;
}

int ErrorOf(SetType type, Family family, std::string_view member) {
  auto result = CanonicalMember(type, family, member);
  REQUIRE_FALSE(result.ok());
  return result.error().code;
}

TEST_CASE("ipset_member: hash:ip addresses print as ipset save prints them") {
  CHECK(Canonical(SetType::kHashIp, Family::kInet, "192.0.2.1") == "192.0.2.1");
  CHECK(Canonical(SetType::kHashIp, Family::kInet6, "2001:DB8:0:0::1") == "2001:db8::1");
  CHECK(ErrorOf(SetType::kHashIp, Family::kInet, "192.0.2.0/24") == EINVAL);
  CHECK(ErrorOf(SetType::kHashIp, Family::kInet, "2001:db8::1") == EINVAL);
  CHECK(ErrorOf(SetType::kHashIp, Family::kInet6, "192.0.2.1") == EINVAL);
  CHECK(ErrorOf(SetType::kHashIp, Family::kInet, "192.0.2.1-192.0.2.9") == EINVAL);
}

TEST_CASE("ipset_member: hash:net drops host prefixes and clears host bits") {
  CHECK(Canonical(SetType::kHashNet, Family::kInet, "198.51.100.7/32") == "198.51.100.7");
  CHECK(Canonical(SetType::kHashNet, Family::kInet, "198.51.100.7/24") == "198.51.100.0/24");
  CHECK(Canonical(SetType::kHashNet, Family::kInet6, "2001:db8::1/64") == "2001:db8::/64");
  CHECK(Canonical(SetType::kHashNet, Family::kInet6, "2001:db8::1/128") == "2001:db8::1");
  CHECK(ErrorOf(SetType::kHashNet, Family::kInet, "10.0.0.0/0") == EINVAL);
  CHECK(ErrorOf(SetType::kHashNet, Family::kInet, "10.0.0.0/33") == EINVAL);
  CHECK(ErrorOf(SetType::kHashNet, Family::kInet, "10.0.0.0/") == EINVAL);
}

TEST_CASE("ipset_member: port types name the protocol, tcp by default") {
  CHECK(Canonical(SetType::kHashIpPort, Family::kInet, "192.0.2.1,80") == "192.0.2.1,tcp:80");
  CHECK(Canonical(SetType::kHashIpPort, Family::kInet, "192.0.2.1,udp:53") == "192.0.2.1,udp:53");
  CHECK(Canonical(SetType::kHashIpPort, Family::kInet6, "2001:db8::a,sctp:9") ==
        "2001:db8::a,sctp:9");
  CHECK(Canonical(SetType::kHashNetPort, Family::kInet, "10.1.2.3/8,tcp:443") ==
        "10.0.0.0/8,tcp:443");
  CHECK(ErrorOf(SetType::kHashIpPort, Family::kInet, "192.0.2.1") == EINVAL);
  CHECK(ErrorOf(SetType::kHashIpPort, Family::kInet, "192.0.2.1,icmp:8") == EINVAL);
  CHECK(ErrorOf(SetType::kHashIpPort, Family::kInet, "192.0.2.1,tcp:65536") == EINVAL);
  CHECK(ErrorOf(SetType::kHashIpPort, Family::kInet, "192.0.2.1,80-90") == EINVAL);
}

TEST_CASE("ipset_member: only literal members reach libipset, never names to look up") {
  CHECK(IsNumericMember("192.0.2.1"));
  CHECK(IsNumericMember("2001:db8::/64"));
  CHECK(IsNumericMember("192.0.2.0/24,udp:53"));
  CHECK(IsNumericMember("2001:db8::1,80"));
  CHECK_FALSE(IsNumericMember("example.com"));
  CHECK_FALSE(IsNumericMember("cafe"));
  CHECK_FALSE(IsNumericMember("192.0.2.1,tcp:http"));
  CHECK_FALSE(IsNumericMember("192.0.2.0/x"));
  CHECK_FALSE(IsNumericMember("192.0.2.1-192.0.2.9"));
}

}  // namespace
}  // namespace kr::ipset
