#include "services/routed/overlay/tunnel_name.h"

#include <net/if.h>

#include <catch2/catch.hpp>
#include <set>
#include <string>

namespace kr::routed::overlay {
namespace {

using route::IpAddress;

TEST_CASE("tunnel names are valid interface names with a fixed shape") {
  for (const char* ip : {"192.0.2.1", "10.1.2.34", "2001:db8::1", "255.255.255.255"}) {
    const std::string name = TunnelName(IpAddress::FromString(ip));
    INFO(ip << " -> " << name);
    CHECK(name.size() == 15);
    CHECK(name.size() < IFNAMSIZ);
    CHECK(name.starts_with("tun-"));
    CHECK(IsOverlayTunnelName(name));
  }
}

TEST_CASE("tunnel names are stable and tell addresses apart") {
  CHECK(TunnelName(IpAddress::FromString("192.0.2.1")) ==
        TunnelName(IpAddress::FromString("192.0.2.1")));
  // kube-router's text hash gives these two one name; ours must not.
  CHECK(TunnelName(IpAddress::FromString("10.1.2.34")) !=
        TunnelName(IpAddress::FromString("10.1.23.4")));
  std::set<std::string> names;
  for (int a = 0; a < 64; ++a) {
    for (int b = 0; b < 64; ++b) {
      names.insert(TunnelName(
          IpAddress::FromString("10." + std::to_string(a) + "." + std::to_string(b) + ".1")));
    }
  }
  CHECK(names.size() == 64 * 64);
}

TEST_CASE("a golden name pins the hash") {
  // FNV-1a 64 over {AF_INET, 192, 0, 2, 1}, first 11 hex digits, computed independently in
  // Python. If this changes, upgraded nodes recreate every tunnel: change it only on purpose.
  CHECK(TunnelName(IpAddress::FromString("192.0.2.1")) == "tun-fccbe343ad3");
}

TEST_CASE("only names of our shape are ours") {
  CHECK_FALSE(IsOverlayTunnelName("tunl0"));
  CHECK_FALSE(IsOverlayTunnelName("tun-dc1"));
  CHECK_FALSE(IsOverlayTunnelName("tun-0123456789"));    // 10 digits
  CHECK_FALSE(IsOverlayTunnelName("tun-0123456789ab"));  // 12 digits
  CHECK_FALSE(IsOverlayTunnelName("tun-0123456789A"));   // upper case
  CHECK_FALSE(IsOverlayTunnelName("eth0"));
  CHECK(IsOverlayTunnelName("tun-0123456789a"));
}

}  // namespace
}  // namespace kr::routed::overlay
