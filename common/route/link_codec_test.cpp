// The tunnel messages are checked here against their bytes; creating real ipip/ip6tnl
// interfaces needs kernel modules the host lacks, so that test belongs to the vm tier.
#include "common/route/link_codec.h"

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>

#include <catch2/catch.hpp>
#include <map>

namespace kr::route {
namespace {

const nlmsghdr* Header(const std::vector<uint8_t>& bytes) {
  return reinterpret_cast<const nlmsghdr*>(bytes.data());
}

// The attributes inside IFLA_LINKINFO / IFLA_INFO_DATA of a request, by type.
using AttributeMap = std::map<int, const nlattr*>;

int Collect(const nlattr* attribute, void* map) {
  (*static_cast<AttributeMap*>(map))[mnl_attr_get_type(attribute)] = attribute;
  return MNL_CB_OK;
}

AttributeMap Nested(const nlattr* parent) {
  AttributeMap found;
  REQUIRE(parent != nullptr);
  REQUIRE(mnl_attr_parse_nested(parent, Collect, &found) >= 0);
  return found;
}

AttributeMap TopLevel(const std::vector<uint8_t>& bytes) {
  AttributeMap found;
  REQUIRE(mnl_attr_parse(Header(bytes), sizeof(ifinfomsg), Collect, &found) >= 0);
  return found;
}

TunnelSpec Spec(const char* name, const char* local, const char* remote) {
  TunnelSpec spec;
  spec.name = name;
  if (local != nullptr) spec.local = IpAddress::FromString(local);
  spec.remote = IpAddress::FromString(remote);
  return spec;
}

TEST_CASE("ipip tunnel request: created up, exclusive, with local, remote and pmtudisc") {
  TunnelSpec spec = Spec("tun-a", "192.0.2.1", "192.0.2.9");
  spec.underlay_ifindex = 7;
  spec.mtu = 1480;
  auto request = BuildCreateTunnelRequest(spec);
  REQUIRE(request.ok());
  const nlmsghdr* header = Header(*request);
  CHECK(header->nlmsg_type == RTM_NEWLINK);
  CHECK(header->nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL));
  const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(header));
  CHECK((ifi->ifi_flags & IFF_UP) != 0);
  CHECK((ifi->ifi_change & IFF_UP) != 0);

  auto top = TopLevel(*request);
  REQUIRE(top.count(IFLA_IFNAME));
  CHECK(std::string(mnl_attr_get_str(top[IFLA_IFNAME])) == "tun-a");
  REQUIRE(top.count(IFLA_MTU));
  CHECK(mnl_attr_get_u32(top[IFLA_MTU]) == 1480);
  REQUIRE(top.count(IFLA_LINKINFO));
  auto info = Nested(top[IFLA_LINKINFO]);
  CHECK(std::string(mnl_attr_get_str(info[IFLA_INFO_KIND])) == "ipip");
  auto data = Nested(info[IFLA_INFO_DATA]);
  CHECK(mnl_attr_get_u32(data[IFLA_IPTUN_LINK]) == 7);
  CHECK(mnl_attr_get_payload_len(data[IFLA_IPTUN_REMOTE]) == 4);
  CHECK(mnl_attr_get_u8(data[IFLA_IPTUN_PMTUDISC]) == 1);
  CHECK(mnl_attr_get_u8(data[IFLA_IPTUN_TTL]) == 0);
  CHECK(mnl_attr_get_u8(data[IFLA_IPTUN_PROTO]) == IPPROTO_IPIP);

  // The kernel's RTM_NEWLINK for that interface parses back into the same spec.
  std::vector<uint8_t> answer = *request;
  auto parsed = ParseLinkMessage(Header(answer));
  REQUIRE(parsed.ok());
  CHECK(parsed->kind == "ipip");
  REQUIRE(parsed->tunnel.has_value());
  CHECK(parsed->tunnel->spec == spec);
  CHECK(parsed->tunnel->up);
}

TEST_CASE("an IPv6 remote makes an ip6tnl tunnel in ip6ip6 mode") {
  const TunnelSpec spec = Spec("tun-b", nullptr, "2001:db8::9");
  auto request = BuildCreateTunnelRequest(spec);
  REQUIRE(request.ok());
  auto top = TopLevel(*request);
  auto info = Nested(top[IFLA_LINKINFO]);
  CHECK(std::string(mnl_attr_get_str(info[IFLA_INFO_KIND])) == "ip6tnl");
  auto data = Nested(info[IFLA_INFO_DATA]);
  CHECK(mnl_attr_get_u8(data[IFLA_IPTUN_PROTO]) == IPPROTO_IPV6);
  CHECK(mnl_attr_get_payload_len(data[IFLA_IPTUN_REMOTE]) == 16);
  CHECK_FALSE(data.count(IFLA_IPTUN_LOCAL));

  auto parsed = ParseLinkMessage(Header(*request));
  REQUIRE(parsed.ok());
  REQUIRE(parsed->tunnel.has_value());
  CHECK(parsed->tunnel->spec == spec);
}

TEST_CASE("bad tunnel specs are refused with EINVAL") {
  std::vector<TunnelSpec> bad = {
      Spec("", nullptr, "192.0.2.9"), Spec("a-name-much-too-long", nullptr, "192.0.2.9"),
      Spec("has/slash", nullptr, "192.0.2.9"), Spec("mixed", "2001:db8::1", "192.0.2.9")};
  bad.push_back(TunnelSpec{"noremote"});
  for (const auto& spec : bad) {
    INFO(spec.name);
    auto request = BuildCreateTunnelRequest(spec);
    REQUIRE_FALSE(request.ok());
    CHECK(request.error().code == EINVAL);
  }
}

TEST_CASE("delete and dump link requests") {
  const auto del = BuildDeleteLinkRequest(12);
  CHECK(Header(del)->nlmsg_type == RTM_DELLINK);
  CHECK(static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(Header(del)))->ifi_index == 12);
  const auto dump = BuildLinkDumpRequest();
  CHECK(Header(dump)->nlmsg_type == RTM_GETLINK);
  CHECK((Header(dump)->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP);
}

TEST_CASE("a link without tunnel data parses as a plain interface") {
  auto parsed = ParseLinkMessage(Header(BuildDeleteLinkRequest(3)));
  REQUIRE(parsed.ok());
  CHECK(parsed->ifindex == 3);
  CHECK(parsed->kind.empty());
  CHECK_FALSE(parsed->tunnel.has_value());
}

}  // namespace
}  // namespace kr::route
