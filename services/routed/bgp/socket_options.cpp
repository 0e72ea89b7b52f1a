#include "services/routed/bgp/socket_options.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstring>

namespace kr::bgp {

Status SetTcpMd5Key(int fd, const IpAddress& peer, std::string_view password) {
  if (password.size() > TCP_MD5SIG_MAXKEYLEN) {
    return Error{EINVAL, "TCP MD5 password longer than 80 octets"};
  }
  tcp_md5sig sig{};
  if (peer.is_v4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&sig.tcpm_addr);
    sin->sin_family = AF_INET;
    std::memcpy(&sin->sin_addr, peer.bytes().data(), 4);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&sig.tcpm_addr);
    sin6->sin6_family = AF_INET6;
    std::memcpy(&sin6->sin6_addr, peer.bytes().data(), 16);
  }
  sig.tcpm_keylen = static_cast<uint16_t>(password.size());
  std::memcpy(sig.tcpm_key, password.data(), password.size());
  if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof(sig)) != 0) {
    return Error::FromErrno(errno, "setsockopt(TCP_MD5SIG) for " + peer.ToString());
  }
  return Status::Ok();
}

Status SetOutgoingTtl(int fd, IpFamily family, int ttl) {
  const int level = family == IpFamily::kIpv4 ? IPPROTO_IP : IPPROTO_IPV6;
  const int name = family == IpFamily::kIpv4 ? IP_TTL : IPV6_UNICAST_HOPS;
  if (setsockopt(fd, level, name, &ttl, sizeof(ttl)) != 0) {
    return Error::FromErrno(errno, "setsockopt(TTL " + std::to_string(ttl) + ")");
  }
  return Status::Ok();
}

}  // namespace kr::bgp
