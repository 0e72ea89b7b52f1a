#include "services/proxyd/kernel/netlink_vip_link_kernel.h"

// net/if.h before the linux headers: its libc-compat guards then avoid duplicate IFF_*.
#include <net/if.h>
//
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>

#include <cerrno>

namespace kr::proxyd {
namespace {

constexpr size_t kRequestCapacity = 1024;

nlmsghdr* Header(std::vector<uint8_t>& buffer, uint16_t type, uint16_t flags) {
  buffer.assign(kRequestCapacity, 0);
  nlmsghdr* message = mnl_nlmsg_put_header(buffer.data());
  message->nlmsg_type = type;
  message->nlmsg_flags = NLM_F_REQUEST | flags;
  return message;
}

void Finish(std::vector<uint8_t>& buffer) {
  buffer.resize(reinterpret_cast<const nlmsghdr*>(buffer.data())->nlmsg_len);
}

std::vector<uint8_t> AddressRequest(uint16_t type, uint16_t flags, int ifindex,
                                    const ipvs::IpAddress& address) {
  std::vector<uint8_t> buffer;
  nlmsghdr* message = Header(buffer, type, NLM_F_ACK | flags);
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(message, sizeof(ifaddrmsg)));
  ifa->ifa_family = static_cast<uint8_t>(address.family());
  ifa->ifa_prefixlen = address.is_v4() ? 32 : 128;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = static_cast<uint32_t>(ifindex);
  const auto bytes = address.bytes();
  mnl_attr_put(message, IFA_LOCAL, bytes.size(), bytes.data());
  mnl_attr_put(message, IFA_ADDRESS, bytes.size(), bytes.data());
  // Without this the kernel would want DAD on an IPv6 VIP before it can be used.
  if (address.is_v6()) mnl_attr_put_u32(message, IFA_FLAGS, IFA_F_NODAD);
  Finish(buffer);
  return buffer;
}

struct AddressAttributes {
  const nlattr* local = nullptr;
  const nlattr* address = nullptr;

  static int Collect(const nlattr* attribute, void* data) {
    auto* self = static_cast<AddressAttributes*>(data);
    if (mnl_attr_get_type(attribute) == IFA_LOCAL) self->local = attribute;
    if (mnl_attr_get_type(attribute) == IFA_ADDRESS) self->address = attribute;
    return MNL_CB_OK;
  }
};

}  // namespace

Expected<std::unique_ptr<NetlinkVipLinkKernel>> NetlinkVipLinkKernel::Open() {
  auto socket = route::NetlinkSocket::Open();
  if (!socket) return socket.error();
  return std::unique_ptr<NetlinkVipLinkKernel>(new NetlinkVipLinkKernel(std::move(*socket)));
}

Status NetlinkVipLinkKernel::TransactOne(std::vector<uint8_t> request) {
  std::vector<std::vector<uint8_t>> requests;
  requests.push_back(std::move(request));
  return socket_.Transact(std::move(requests)).front();
}

Expected<std::optional<int>> NetlinkVipLinkKernel::FindLink(const std::string& name) {
  // if_nametoindex reads the calling thread's namespace, as the socket does.
  unsigned index = if_nametoindex(name.c_str());
  if (index == 0) {
    if (errno == ENODEV || errno == ENXIO) return std::optional<int>();
    return Error{errno, "looking up interface " + name};
  }
  return std::optional<int>(static_cast<int>(index));
}

Status NetlinkVipLinkKernel::CreateDummy(const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ) {
    return Error{EINVAL, "\"" + name + "\" is not a valid interface name"};
  }
  std::vector<uint8_t> buffer;
  nlmsghdr* message = Header(buffer, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(message, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  mnl_attr_put_strz(message, IFLA_IFNAME, name.c_str());
  nlattr* link_info = mnl_attr_nest_start(message, IFLA_LINKINFO);
  mnl_attr_put_strz(message, IFLA_INFO_KIND, "dummy");
  mnl_attr_nest_end(message, link_info);
  Finish(buffer);
  return TransactOne(std::move(buffer));
}

Status NetlinkVipLinkKernel::SetUp(int ifindex) {
  std::vector<uint8_t> buffer;
  nlmsghdr* message = Header(buffer, RTM_NEWLINK, NLM_F_ACK);
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(message, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = ifindex;
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  Finish(buffer);
  return TransactOne(std::move(buffer));
}

Status NetlinkVipLinkKernel::DeleteLink(int ifindex) {
  std::vector<uint8_t> buffer;
  nlmsghdr* message = Header(buffer, RTM_DELLINK, NLM_F_ACK);
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(message, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = ifindex;
  Finish(buffer);
  return TransactOne(std::move(buffer));
}

Expected<std::vector<ipvs::IpAddress>> NetlinkVipLinkKernel::DumpAddresses(int ifindex, bool all) {
  std::vector<uint8_t> buffer;
  nlmsghdr* request = Header(buffer, RTM_GETADDR, NLM_F_DUMP);
  auto* req = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(request, sizeof(ifaddrmsg)));
  req->ifa_family = AF_UNSPEC;
  Finish(buffer);

  std::vector<ipvs::IpAddress> addresses;
  Status dumped = socket_.Dump(std::move(buffer), [&](const nlmsghdr* message) -> Status {
    if (message->nlmsg_type != RTM_NEWADDR) return Status::Ok();
    const auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(message));
    const bool wanted = all ? static_cast<int>(ifa->ifa_index) != ifindex
                            : static_cast<int>(ifa->ifa_index) == ifindex;
    if (!wanted) return Status::Ok();
    if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) return Status::Ok();
    AddressAttributes attributes;
    if (mnl_attr_parse(message, sizeof(ifaddrmsg), AddressAttributes::Collect, &attributes) < 0) {
      return Error{EINVAL, "malformed address message"};
    }
    const nlattr* local = attributes.local;
    const nlattr* address = attributes.address;
    const nlattr* chosen = local ? local : address;  // IFA_LOCAL differs on point-to-point
    if (!chosen) return Status::Ok();
    const auto* bytes = static_cast<const uint8_t*>(mnl_attr_get_payload(chosen));
    auto parsed =
        ipvs::IpAddress::FromBytes(ifa->ifa_family, {bytes, mnl_attr_get_payload_len(chosen)});
    if (!parsed) return parsed.error();
    addresses.push_back(*parsed);
    return Status::Ok();
  });
  if (!dumped) return dumped.error();
  return addresses;
}

Expected<std::vector<ipvs::IpAddress>> NetlinkVipLinkKernel::ListAddresses(int ifindex) {
  return DumpAddresses(ifindex, false);
}

Expected<std::vector<ipvs::IpAddress>> NetlinkVipLinkKernel::ListAllAddresses(int skip_ifindex) {
  return DumpAddresses(skip_ifindex, true);
}

Status NetlinkVipLinkKernel::AddAddress(int ifindex, const ipvs::IpAddress& address) {
  return TransactOne(AddressRequest(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, address));
}

Status NetlinkVipLinkKernel::DeleteAddress(int ifindex, const ipvs::IpAddress& address) {
  return TransactOne(AddressRequest(RTM_DELADDR, 0, ifindex, address));
}

}  // namespace kr::proxyd
