#include "common/ipvs/ipvs_codec.h"

#include <arpa/inet.h>
#include <linux/ip_vs.h>

#include <array>
#include <bit>
#include <cstring>

namespace kr::ipvs::codec {
namespace {

constexpr uint8_t kV4Bits = 32;
constexpr uint8_t kV6Bits = 128;

Error EncodeError(const std::string& what) {
  return Error{EMSGSIZE, "encoding " + what};
}

// libnl returns its own negative codes; running out of room is the only way a put fails here.
bool Put(int libnl_result) {
  return libnl_result >= 0;
}

Expected<uint32_t> EncodeNetmask(int family, const std::optional<uint8_t>& prefix) {
  if (family == AF_INET) {
    uint8_t bits = prefix.value_or(kV4Bits);
    if (bits > kV4Bits) return Error{EINVAL, "IPv4 persistence prefix above 32"};
    uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (kV4Bits - bits);
    return htonl(mask);
  }
  uint8_t bits = prefix.value_or(kV6Bits);
  if (bits > kV6Bits) return Error{EINVAL, "IPv6 persistence prefix above 128"};
  return uint32_t{bits};  // the kernel wants IPv6 "netmasks" as a plain prefix length
}

std::optional<uint8_t> DecodeNetmask(int family, uint32_t raw) {
  if (family == AF_INET) {
    auto bits = static_cast<uint8_t>(std::popcount(ntohl(raw)));
    if (bits == kV4Bits) return std::nullopt;
    return bits;
  }
  if (raw >= kV6Bits) return std::nullopt;
  return static_cast<uint8_t>(raw);
}

Status PutAddressAttr(nl_msg* msg, int attr, const IpAddress& address) {
  auto bytes = address.bytes();
  if (bytes.empty()) return Error{EINVAL, "an IPVS address must be IPv4 or IPv6"};
  if (!Put(nla_put(msg, attr, static_cast<int>(bytes.size()), bytes.data()))) {
    return EncodeError("address");
  }
  return Status::Ok();
}

Status PutKeyAttrs(nl_msg* msg, const ServiceKey& key) {
  if (key.family != AF_INET && key.family != AF_INET6) {
    return Error{EAFNOSUPPORT, "service " + key.ToString() + ": family must be IPv4 or IPv6"};
  }
  if (!Put(nla_put_u16(msg, IPVS_SVC_ATTR_AF, static_cast<uint16_t>(key.family)))) {
    return EncodeError("service family");
  }
  if (key.is_fwmark()) {
    if (!Put(nla_put_u32(msg, IPVS_SVC_ATTR_FWMARK, key.fwmark))) return EncodeError("fwmark");
    return Status::Ok();
  }
  if (key.address.family() != key.family) {
    return Error{EINVAL, "service " + key.ToString() + ": address family differs from key"};
  }
  if (!Put(nla_put_u16(msg, IPVS_SVC_ATTR_PROTOCOL, static_cast<uint16_t>(key.protocol))) ||
      !Put(nla_put_u16(msg, IPVS_SVC_ATTR_PORT, htons(key.port)))) {
    return EncodeError("service protocol/port");
  }
  return PutAddressAttr(msg, IPVS_SVC_ATTR_ADDR, key.address);
}

template <typename Fill>
Status PutNested(nl_msg* msg, int attr, Fill&& fill) {
  nlattr* nest = nla_nest_start(msg, attr);
  if (nest == nullptr) return EncodeError("nested attribute");
  if (Status status = fill(); !status.ok()) {
    nla_nest_cancel(msg, nest);
    return status;
  }
  nla_nest_end(msg, nest);
  return Status::Ok();
}

// Counters come as u32 in IPVS_*_ATTR_STATS and as u64 in IPVS_*_ATTR_STATS64.
uint64_t GetCounter(nlattr* attr) {
  if (attr == nullptr) return 0;
  if (nla_len(attr) >= static_cast<int>(sizeof(uint64_t))) return nla_get_u64(attr);
  if (nla_len(attr) >= static_cast<int>(sizeof(uint32_t))) return nla_get_u32(attr);
  return 0;
}

Expected<Stats> ParseStats(nlattr* stats64, nlattr* stats32) {
  nlattr* nested = stats64 != nullptr ? stats64 : stats32;
  Stats stats;
  if (nested == nullptr) return stats;
  std::array<nlattr*, IPVS_STATS_ATTR_MAX + 1> tb{};
  if (nla_parse_nested(tb.data(), IPVS_STATS_ATTR_MAX, nested, nullptr) < 0) {
    return Error{EBADMSG, "malformed IPVS statistics"};
  }
  stats.connections = GetCounter(tb[IPVS_STATS_ATTR_CONNS]);
  stats.packets_in = GetCounter(tb[IPVS_STATS_ATTR_INPKTS]);
  stats.packets_out = GetCounter(tb[IPVS_STATS_ATTR_OUTPKTS]);
  stats.bytes_in = GetCounter(tb[IPVS_STATS_ATTR_INBYTES]);
  stats.bytes_out = GetCounter(tb[IPVS_STATS_ATTR_OUTBYTES]);
  stats.connections_per_second = GetCounter(tb[IPVS_STATS_ATTR_CPS]);
  stats.packets_in_per_second = GetCounter(tb[IPVS_STATS_ATTR_INPPS]);
  stats.packets_out_per_second = GetCounter(tb[IPVS_STATS_ATTR_OUTPPS]);
  stats.bytes_in_per_second = GetCounter(tb[IPVS_STATS_ATTR_INBPS]);
  stats.bytes_out_per_second = GetCounter(tb[IPVS_STATS_ATTR_OUTBPS]);
  return stats;
}

bool HasPayload(nlattr* attr, size_t size) {
  return attr != nullptr && nla_len(attr) >= static_cast<int>(size);
}

Expected<IpAddress> GetAddress(nlattr* attr, int family) {
  if (attr == nullptr) return Error{EBADMSG, "IPVS reply without an address"};
  return IpAddress::FromPaddedBytes(
      family, {static_cast<const uint8_t*>(nla_data(attr)), static_cast<size_t>(nla_len(attr))});
}

std::string GetString(nlattr* attr) {
  if (attr == nullptr || nla_len(attr) <= 0) return {};
  const char* data = static_cast<const char*>(nla_data(attr));
  return std::string(data, strnlen(data, static_cast<size_t>(nla_len(attr))));
}

}  // namespace

Status PutServiceKey(nl_msg* msg, const ServiceKey& key) {
  return PutNested(msg, IPVS_CMD_ATTR_SERVICE, [&] { return PutKeyAttrs(msg, key); });
}

Status PutService(nl_msg* msg, const Service& service) {
  return PutNested(msg, IPVS_CMD_ATTR_SERVICE, [&]() -> Status {
    if (Status status = PutKeyAttrs(msg, service.key); !status.ok()) return status;
    auto netmask = EncodeNetmask(service.key.family, service.persistence_prefix);
    if (!netmask) return netmask.error();
    ip_vs_flags flags{service.flags, ~uint32_t{0}};
    if (!Put(nla_put_string(msg, IPVS_SVC_ATTR_SCHED_NAME, service.scheduler.c_str())) ||
        !Put(nla_put(msg, IPVS_SVC_ATTR_FLAGS, sizeof(flags), &flags)) ||
        !Put(nla_put_u32(msg, IPVS_SVC_ATTR_TIMEOUT, service.timeout)) ||
        !Put(nla_put_u32(msg, IPVS_SVC_ATTR_NETMASK, *netmask))) {
      return EncodeError("service settings");
    }
    if (!service.persistence_engine.empty() &&
        !Put(nla_put_string(msg, IPVS_SVC_ATTR_PE_NAME, service.persistence_engine.c_str()))) {
      return EncodeError("persistence engine");
    }
    return Status::Ok();
  });
}

Status PutDestinationKey(nl_msg* msg, const DestinationKey& key) {
  return PutNested(msg, IPVS_CMD_ATTR_DEST, [&]() -> Status {
    if (Status status = PutAddressAttr(msg, IPVS_DEST_ATTR_ADDR, key.address); !status.ok()) {
      return status;
    }
    if (!Put(nla_put_u16(msg, IPVS_DEST_ATTR_PORT, htons(key.port))) ||
        !Put(nla_put_u16(msg, IPVS_DEST_ATTR_ADDR_FAMILY,
                         static_cast<uint16_t>(key.address.family())))) {
      return EncodeError("destination port/family");
    }
    return Status::Ok();
  });
}

Status PutDestination(nl_msg* msg, const Destination& destination) {
  return PutNested(msg, IPVS_CMD_ATTR_DEST, [&]() -> Status {
    if (Status status = PutAddressAttr(msg, IPVS_DEST_ATTR_ADDR, destination.address);
        !status.ok()) {
      return status;
    }
    if (!Put(nla_put_u16(msg, IPVS_DEST_ATTR_PORT, htons(destination.port))) ||
        !Put(nla_put_u16(msg, IPVS_DEST_ATTR_ADDR_FAMILY,
                         static_cast<uint16_t>(destination.address.family()))) ||
        !Put(nla_put_u32(msg, IPVS_DEST_ATTR_FWD_METHOD,
                         static_cast<uint32_t>(destination.forward))) ||
        // The kernel reads the weight as u32 into an int and refuses negatives with ERANGE.
        !Put(nla_put_u32(msg, IPVS_DEST_ATTR_WEIGHT, static_cast<uint32_t>(destination.weight))) ||
        !Put(nla_put_u32(msg, IPVS_DEST_ATTR_U_THRESH, destination.upper_threshold)) ||
        !Put(nla_put_u32(msg, IPVS_DEST_ATTR_L_THRESH, destination.lower_threshold))) {
      return EncodeError("destination settings");
    }
    if (destination.forward == ForwardMethod::kTunnel &&
        (!Put(nla_put_u8(msg, IPVS_DEST_ATTR_TUN_TYPE,
                         static_cast<uint8_t>(destination.tunnel_type))) ||
         !Put(nla_put_u16(msg, IPVS_DEST_ATTR_TUN_PORT, htons(destination.tunnel_port))) ||
         !Put(nla_put_u16(msg, IPVS_DEST_ATTR_TUN_FLAGS, destination.tunnel_flags)))) {
      return EncodeError("tunnel settings");
    }
    return Status::Ok();
  });
}

Expected<ServiceEntry> ParseService(nlattr* nested) {
  std::array<nlattr*, IPVS_SVC_ATTR_MAX + 1> tb{};
  if (nested == nullptr || nla_parse_nested(tb.data(), IPVS_SVC_ATTR_MAX, nested, nullptr) < 0) {
    return Error{EBADMSG, "IPVS reply without a service"};
  }
  if (!HasPayload(tb[IPVS_SVC_ATTR_AF], sizeof(uint16_t))) {
    return Error{EBADMSG, "IPVS service without an address family"};
  }
  int family = nla_get_u16(tb[IPVS_SVC_ATTR_AF]);
  ServiceEntry entry;
  Service& service = entry.service;
  if (HasPayload(tb[IPVS_SVC_ATTR_FWMARK], sizeof(uint32_t)) &&
      nla_get_u32(tb[IPVS_SVC_ATTR_FWMARK]) != 0) {
    service.key = ServiceKey::ForFwmark(family, nla_get_u32(tb[IPVS_SVC_ATTR_FWMARK]));
  } else {
    if (!HasPayload(tb[IPVS_SVC_ATTR_PROTOCOL], sizeof(uint16_t)) ||
        !HasPayload(tb[IPVS_SVC_ATTR_PORT], sizeof(uint16_t))) {
      return Error{EBADMSG, "IPVS service without protocol or port"};
    }
    auto address = GetAddress(tb[IPVS_SVC_ATTR_ADDR], family);
    if (!address) return address.error();
    service.key =
        ServiceKey::ForAddress(static_cast<Protocol>(nla_get_u16(tb[IPVS_SVC_ATTR_PROTOCOL])),
                               *address, ntohs(nla_get_u16(tb[IPVS_SVC_ATTR_PORT])));
  }
  service.scheduler = GetString(tb[IPVS_SVC_ATTR_SCHED_NAME]);
  service.persistence_engine = GetString(tb[IPVS_SVC_ATTR_PE_NAME]);
  if (HasPayload(tb[IPVS_SVC_ATTR_FLAGS], sizeof(ip_vs_flags))) {
    ip_vs_flags flags{};
    std::memcpy(&flags, nla_data(tb[IPVS_SVC_ATTR_FLAGS]), sizeof(flags));
    service.flags = flags.flags & ~ServiceFlags::kHashed;
  }
  if (HasPayload(tb[IPVS_SVC_ATTR_TIMEOUT], sizeof(uint32_t))) {
    service.timeout = nla_get_u32(tb[IPVS_SVC_ATTR_TIMEOUT]);
  }
  if (HasPayload(tb[IPVS_SVC_ATTR_NETMASK], sizeof(uint32_t))) {
    service.persistence_prefix = DecodeNetmask(family, nla_get_u32(tb[IPVS_SVC_ATTR_NETMASK]));
  }
  auto stats = ParseStats(tb[IPVS_SVC_ATTR_STATS64], tb[IPVS_SVC_ATTR_STATS]);
  if (!stats) return stats.error();
  entry.stats = *stats;
  return entry;
}

Expected<DestinationEntry> ParseDestination(nlattr* nested, int service_family) {
  std::array<nlattr*, IPVS_DEST_ATTR_MAX + 1> tb{};
  if (nested == nullptr || nla_parse_nested(tb.data(), IPVS_DEST_ATTR_MAX, nested, nullptr) < 0) {
    return Error{EBADMSG, "IPVS reply without a destination"};
  }
  int family = service_family;
  if (HasPayload(tb[IPVS_DEST_ATTR_ADDR_FAMILY], sizeof(uint16_t))) {
    family = nla_get_u16(tb[IPVS_DEST_ATTR_ADDR_FAMILY]);
  }
  auto address = GetAddress(tb[IPVS_DEST_ATTR_ADDR], family);
  if (!address) return address.error();
  if (!HasPayload(tb[IPVS_DEST_ATTR_PORT], sizeof(uint16_t))) {
    return Error{EBADMSG, "IPVS destination without a port"};
  }
  DestinationEntry entry;
  Destination& destination = entry.destination;
  destination.address = *address;
  destination.port = ntohs(nla_get_u16(tb[IPVS_DEST_ATTR_PORT]));
  auto u32 = [&](int attr) -> uint32_t {
    return HasPayload(tb[attr], sizeof(uint32_t)) ? nla_get_u32(tb[attr]) : 0;
  };
  destination.forward =
      static_cast<ForwardMethod>(u32(IPVS_DEST_ATTR_FWD_METHOD) & IP_VS_CONN_F_FWD_MASK);
  destination.weight = static_cast<int32_t>(u32(IPVS_DEST_ATTR_WEIGHT));
  destination.upper_threshold = u32(IPVS_DEST_ATTR_U_THRESH);
  destination.lower_threshold = u32(IPVS_DEST_ATTR_L_THRESH);
  if (destination.forward == ForwardMethod::kTunnel) {
    if (HasPayload(tb[IPVS_DEST_ATTR_TUN_TYPE], sizeof(uint8_t))) {
      destination.tunnel_type = static_cast<TunnelType>(nla_get_u8(tb[IPVS_DEST_ATTR_TUN_TYPE]));
    }
    if (HasPayload(tb[IPVS_DEST_ATTR_TUN_PORT], sizeof(uint16_t))) {
      destination.tunnel_port = ntohs(nla_get_u16(tb[IPVS_DEST_ATTR_TUN_PORT]));
    }
    if (HasPayload(tb[IPVS_DEST_ATTR_TUN_FLAGS], sizeof(uint16_t))) {
      destination.tunnel_flags = nla_get_u16(tb[IPVS_DEST_ATTR_TUN_FLAGS]);
    }
  }
  entry.active_connections = u32(IPVS_DEST_ATTR_ACTIVE_CONNS);
  entry.inactive_connections = u32(IPVS_DEST_ATTR_INACT_CONNS);
  entry.persistent_connections = u32(IPVS_DEST_ATTR_PERSIST_CONNS);
  auto stats = ParseStats(tb[IPVS_DEST_ATTR_STATS64], tb[IPVS_DEST_ATTR_STATS]);
  if (!stats) return stats.error();
  entry.stats = *stats;
  return entry;
}

}  // namespace kr::ipvs::codec
