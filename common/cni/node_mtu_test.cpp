#include "common/cni/node_mtu.h"

#include <catch2/catch.hpp>
#include <fstream>

namespace kr::cni {
namespace {

TEST_CASE("pod MTU: the overlay takes an outer header of the node IP's family") {
  CHECK(PodMtu(1500, false, false) == 1500);
  CHECK(PodMtu(1500, true, false) == 1480);
  CHECK(PodMtu(9000, true, true) == 8960);
}

TEST_CASE("the MTU of the interface holding an address, checked against sysfs") {
  std::ifstream sysfs("/sys/class/net/lo/mtu");
  int lo_mtu = 0;
  sysfs >> lo_mtu;
  REQUIRE(lo_mtu > 0);
  auto mtu = InterfaceMtuOf("127.0.0.1");
  REQUIRE(mtu.ok());
  CHECK(*mtu == lo_mtu);
  auto overlay = AutoMtu("127.0.0.1", true);
  REQUIRE(overlay.ok());
  CHECK(*overlay == lo_mtu - kIpipOverhead);
}

TEST_CASE("an address no interface holds is ENOENT, garbage is EINVAL") {
  auto missing = InterfaceMtuOf("192.0.2.254");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ENOENT);
  auto garbage = InterfaceMtuOf("node-1");
  REQUIRE_FALSE(garbage.ok());
  CHECK(garbage.error().code == EINVAL);
}

}  // namespace
}  // namespace kr::cni
