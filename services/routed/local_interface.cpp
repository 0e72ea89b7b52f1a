#include "services/routed/local_interface.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <memory>
#include <span>

namespace kr::routed {
namespace {

std::span<const uint8_t> AddressBytes(const sockaddr* sa) {
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    return {reinterpret_cast<const uint8_t*>(&in->sin_addr), 4};
  }
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
  return {reinterpret_cast<const uint8_t*>(&in6->sin6_addr), 16};
}

int MaskLength(std::span<const uint8_t> mask) {
  int length = 0;
  for (uint8_t byte : mask) length += std::popcount(byte);
  return length;
}

}  // namespace

Expected<LocalInterface> FindLocalInterface(const route::IpAddress& address) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) {
    return Error{errno, std::string("getifaddrs: ") + std::strerror(errno)};
  }
  std::unique_ptr<ifaddrs, decltype(&freeifaddrs)> owner(list, freeifaddrs);
  for (const ifaddrs* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != address.family() || !a->ifa_netmask) continue;
    auto found = route::IpAddress::FromBytes(address.family(), AddressBytes(a->ifa_addr));
    if (!found || *found != address) continue;
    auto subnet = route::IpPrefix::Make(address, MaskLength(AddressBytes(a->ifa_netmask)));
    if (!subnet) return subnet.error();
    return LocalInterface{*subnet, static_cast<int>(if_nametoindex(a->ifa_name))};
  }
  return Error{ENOENT, "no interface holds " + address.ToString()};
}

}  // namespace kr::routed
