#include "common/ipvs/ipvs_types.h"

#include <catch2/catch.hpp>

namespace kr::ipvs {
namespace {

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
