#include "common/cni/node_mtu.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace kr::cni {
namespace {

// Finds the name of the interface holding the address (family + bytes).
Expected<std::string> InterfaceHolding(int family, const void* address, size_t length,
                                       const std::string& text) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return Error::FromErrno(errno, "getifaddrs");
  std::unique_ptr<ifaddrs, decltype(&freeifaddrs)> owner(list, freeifaddrs);
  for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != family) continue;
    const void* bytes =
        family == AF_INET ? static_cast<const void*>(
                                &reinterpret_cast<const sockaddr_in*>(entry->ifa_addr)->sin_addr)
                          : static_cast<const void*>(
                                &reinterpret_cast<const sockaddr_in6*>(entry->ifa_addr)->sin6_addr);
    if (std::memcmp(bytes, address, length) == 0) return std::string(entry->ifa_name);
  }
  return Error{ENOENT, "no interface holds the node IP " + text};
}

}  // namespace

Expected<int> InterfaceMtuOf(const std::string& node_ip) {
  in6_addr address{};
  int family = AF_INET;
  size_t length = sizeof(in_addr);
  if (inet_pton(AF_INET, node_ip.c_str(), &address) != 1) {
    family = AF_INET6;
    length = sizeof(in6_addr);
    if (inet_pton(AF_INET6, node_ip.c_str(), &address) != 1) {
      return Error{EINVAL, "not an IP address: \"" + node_ip + "\""};
    }
  }
  auto name = InterfaceHolding(family, &address, length, node_ip);
  if (!name) return name.error();

  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error::FromErrno(errno, "socket for SIOCGIFMTU");
  ifreq request{};
  std::strncpy(request.ifr_name, name->c_str(), IFNAMSIZ - 1);
  const int result = ioctl(fd, SIOCGIFMTU, &request);
  const int err = errno;
  close(fd);
  if (result != 0) return Error::FromErrno(err, "MTU of " + *name);
  return request.ifr_mtu;
}

int PodMtu(int interface_mtu, bool overlay_enabled, bool node_ip_is_v6) {
  if (!overlay_enabled) return interface_mtu;
  return interface_mtu - (node_ip_is_v6 ? kIp6ip6Overhead : kIpipOverhead);
}

Expected<int> AutoMtu(const std::string& node_ip, bool overlay_enabled) {
  auto mtu = InterfaceMtuOf(node_ip);
  if (!mtu) return mtu.error();
  return PodMtu(*mtu, overlay_enabled, node_ip.find(':') != std::string::npos);
}

}  // namespace kr::cni
