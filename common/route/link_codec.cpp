#include "common/route/link_codec.h"

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>

#include <cstring>

namespace kr::route {
namespace {

constexpr size_t kRequestCapacity = 4096;

void Finish(std::vector<uint8_t>& buffer) {
  buffer.resize(reinterpret_cast<const nlmsghdr*>(buffer.data())->nlmsg_len);
}

void PutAddress(nlmsghdr* message, uint16_t type, const IpAddress& address) {
  const auto bytes = address.bytes();
  mnl_attr_put(message, type, bytes.size(), bytes.data());
}

}  // namespace

std::string_view TunnelKind(const TunnelSpec& spec) {
  if (spec.remote.is_v4()) return "ipip";
  if (spec.remote.is_v6()) return "ip6tnl";
  return {};
}

Expected<std::vector<uint8_t>> BuildCreateTunnelRequest(const TunnelSpec& spec) {
  if (spec.name.empty() || spec.name.size() >= IFNAMSIZ ||
      spec.name.find_first_of("/ \t\n:") != std::string::npos) {
    return Error{EINVAL, "tunnel name \"" + spec.name + "\" is not a valid interface name"};
  }
  if (spec.remote.is_unspecified()) {
    return Error{EINVAL, "tunnel " + spec.name + ": no remote address"};
  }
  if (!spec.local.is_unspecified() && spec.local.family() != spec.remote.family()) {
    return Error{EINVAL, "tunnel " + spec.name + ": local and remote of different families"};
  }

  std::vector<uint8_t> buffer(kRequestCapacity);
  nlmsghdr* message = mnl_nlmsg_put_header(buffer.data());
  message->nlmsg_type = RTM_NEWLINK;
  message->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(message, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  mnl_attr_put_strz(message, IFLA_IFNAME, spec.name.c_str());
  if (spec.mtu != 0) mnl_attr_put_u32(message, IFLA_MTU, spec.mtu);

  nlattr* link_info = mnl_attr_nest_start(message, IFLA_LINKINFO);
  mnl_attr_put_strz(message, IFLA_INFO_KIND, std::string(TunnelKind(spec)).c_str());
  nlattr* data = mnl_attr_nest_start(message, IFLA_INFO_DATA);
  if (spec.underlay_ifindex != 0) {
    mnl_attr_put_u32(message, IFLA_IPTUN_LINK, static_cast<uint32_t>(spec.underlay_ifindex));
  }
  if (!spec.local.is_unspecified()) PutAddress(message, IFLA_IPTUN_LOCAL, spec.local);
  PutAddress(message, IFLA_IPTUN_REMOTE, spec.remote);
  mnl_attr_put_u8(message, IFLA_IPTUN_TTL, spec.ttl);
  if (spec.remote.is_v4()) {
    mnl_attr_put_u8(message, IFLA_IPTUN_PROTO, IPPROTO_IPIP);
    // Don't-fragment on the outer header, so the pods' path MTU discovery keeps working.
    mnl_attr_put_u8(message, IFLA_IPTUN_PMTUDISC, 1);
  } else {
    mnl_attr_put_u8(message, IFLA_IPTUN_PROTO, IPPROTO_IPV6);  // ip6ip6
  }
  mnl_attr_nest_end(message, data);
  mnl_attr_nest_end(message, link_info);
  Finish(buffer);
  return buffer;
}

std::vector<uint8_t> BuildDeleteLinkRequest(int ifindex) {
  std::vector<uint8_t> buffer(kRequestCapacity);
  nlmsghdr* message = mnl_nlmsg_put_header(buffer.data());
  message->nlmsg_type = RTM_DELLINK;
  message->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(message, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = ifindex;
  Finish(buffer);
  return buffer;
}

std::vector<uint8_t> BuildLinkDumpRequest() {
  std::vector<uint8_t> buffer(kRequestCapacity);
  nlmsghdr* message = mnl_nlmsg_put_header(buffer.data());
  message->nlmsg_type = RTM_GETLINK;
  message->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(message, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  Finish(buffer);
  return buffer;
}

namespace {

template <int kMax>
struct AttributeTable {
  const nlattr* at[kMax + 1] = {};

  static int Collect(const nlattr* attribute, void* data) {
    auto* self = static_cast<AttributeTable*>(data);
    const int type = mnl_attr_get_type(attribute);
    if (type >= 0 && type <= kMax) self->at[type] = attribute;
    return MNL_CB_OK;
  }
};

Expected<IpAddress> TunnelAddress(const nlattr* attribute, int family) {
  const auto* bytes = static_cast<const uint8_t*>(mnl_attr_get_payload(attribute));
  return IpAddress::FromBytes(family, {bytes, mnl_attr_get_payload_len(attribute)});
}

bool IsZero(const IpAddress& address) {
  for (uint8_t byte : address.bytes()) {
    if (byte != 0) return false;
  }
  return true;
}

}  // namespace

Expected<ParsedLink> ParseLinkMessage(const nlmsghdr* message) {
  if (message->nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg))) {
    return Error{EINVAL, "truncated link message"};
  }
  const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(message));
  AttributeTable<IFLA_MAX> link;
  if (mnl_attr_parse(message, sizeof(ifinfomsg), AttributeTable<IFLA_MAX>::Collect, &link) < 0) {
    return Error{EINVAL, "malformed link attributes"};
  }
  ParsedLink parsed;
  parsed.ifindex = ifi->ifi_index;
  parsed.up = (ifi->ifi_flags & IFF_UP) != 0;
  if (link.at[IFLA_IFNAME]) parsed.name = mnl_attr_get_str(link.at[IFLA_IFNAME]);
  if (!link.at[IFLA_LINKINFO]) return parsed;

  AttributeTable<IFLA_INFO_MAX> info;
  if (mnl_attr_parse_nested(link.at[IFLA_LINKINFO], AttributeTable<IFLA_INFO_MAX>::Collect, &info) <
      0) {
    return Error{EINVAL, "malformed IFLA_LINKINFO of " + parsed.name};
  }
  if (info.at[IFLA_INFO_KIND]) parsed.kind = mnl_attr_get_str(info.at[IFLA_INFO_KIND]);
  const int family = parsed.kind == "ipip" ? AF_INET : parsed.kind == "ip6tnl" ? AF_INET6 : 0;
  if (family == 0 || !info.at[IFLA_INFO_DATA]) return parsed;

  AttributeTable<IFLA_IPTUN_MAX> data;
  if (mnl_attr_parse_nested(info.at[IFLA_INFO_DATA], AttributeTable<IFLA_IPTUN_MAX>::Collect,
                            &data) < 0) {
    return Error{EINVAL, "malformed tunnel data of " + parsed.name};
  }
  // ip6tnl also carries ipip6 and any-protocol modes; only ip6ip6 is an overlay tunnel of ours.
  if (family == AF_INET6 && data.at[IFLA_IPTUN_PROTO] &&
      mnl_attr_get_u8(data.at[IFLA_IPTUN_PROTO]) != IPPROTO_IPV6) {
    return parsed;
  }
  Tunnel tunnel;
  tunnel.ifindex = parsed.ifindex;
  tunnel.up = parsed.up;
  tunnel.spec.name = parsed.name;
  if (link.at[IFLA_MTU]) tunnel.spec.mtu = mnl_attr_get_u32(link.at[IFLA_MTU]);
  if (data.at[IFLA_IPTUN_LINK]) {
    tunnel.spec.underlay_ifindex = static_cast<int>(mnl_attr_get_u32(data.at[IFLA_IPTUN_LINK]));
  }
  if (data.at[IFLA_IPTUN_TTL]) tunnel.spec.ttl = mnl_attr_get_u8(data.at[IFLA_IPTUN_TTL]);
  // The kernel reports "any" as all-zero addresses; the spec says so with unspecified.
  for (auto [type, target] : {std::pair{IFLA_IPTUN_LOCAL, &tunnel.spec.local},
                              std::pair{IFLA_IPTUN_REMOTE, &tunnel.spec.remote}}) {
    if (!data.at[type]) continue;
    auto address = TunnelAddress(data.at[type], family);
    if (!address) return Error{EINVAL, "tunnel " + parsed.name + ": " + address.error().message};
    if (!IsZero(*address)) *target = *address;
  }
  parsed.tunnel = std::move(tunnel);
  return parsed;
}

}  // namespace kr::route
