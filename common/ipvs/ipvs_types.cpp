#include "common/ipvs/ipvs_types.h"

namespace kr::ipvs {
namespace {

std::string HostPort(const IpAddress& address, uint16_t port) {
  if (address.is_v6()) return "[" + address.ToString() + "]:" + std::to_string(port);
  return address.ToString() + ":" + std::to_string(port);
}

}  // namespace

std::string ProtocolName(Protocol protocol) {
  switch (protocol) {
    case Protocol::kTcp:
      return "TCP";
    case Protocol::kUdp:
      return "UDP";
    case Protocol::kSctp:
      return "SCTP";
  }
  return "protocol " + std::to_string(static_cast<unsigned>(protocol));
}

ServiceKey ServiceKey::ForAddress(Protocol protocol, const IpAddress& address, uint16_t port) {
  return ServiceKey{address.family(), protocol, address, port, 0};
}

ServiceKey ServiceKey::ForFwmark(int family, uint32_t fwmark) {
  return ServiceKey{family, Protocol::kTcp, IpAddress(), 0, fwmark};
}

std::string ServiceKey::ToString() const {
  if (is_fwmark()) {
    return "FWM " + std::to_string(fwmark) + (family == AF_INET6 ? " IPv6" : " IPv4");
  }
  return ProtocolName(protocol) + " " + HostPort(address, port);
}

std::string ForwardMethodName(ForwardMethod method) {
  switch (method) {
    case ForwardMethod::kMasquerade:
      return "Masq";
    case ForwardMethod::kLocal:
      return "Local";
    case ForwardMethod::kTunnel:
      return "Tunnel";
    case ForwardMethod::kDirectRoute:
      return "Route";
    case ForwardMethod::kBypass:
      return "Bypass";
  }
  return "forward " + std::to_string(static_cast<unsigned>(method));
}

std::string DestinationKey::ToString() const {
  return HostPort(address, port);
}

}  // namespace kr::ipvs
