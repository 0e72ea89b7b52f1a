// Message building and reply parsing against the layout of linux/ip_vs.h, with no kernel:
// requests are checked attribute by attribute, replies are built the way the kernel fills them.
#include "common/ipvs/ipvs_codec.h"

#include <arpa/inet.h>
#include <linux/ip_vs.h>
#include <netlink/genl/genl.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstring>
#include <memory>

namespace kr::ipvs {
namespace {

constexpr int kFakeFamilyId = 0x42;

using MessagePtr = std::unique_ptr<nl_msg, decltype(&nlmsg_free)>;

MessagePtr NewMessage(uint8_t command) {
  MessagePtr msg(nlmsg_alloc(), &nlmsg_free);
  REQUIRE(msg);
  REQUIRE(genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, kFakeFamilyId, 0, 0, command,
                      IPVS_GENL_VERSION) != nullptr);
  return msg;
}

// The top-level IPVS_CMD_ATTR_* attributes of a message.
std::array<nlattr*, IPVS_CMD_ATTR_MAX + 1> TopLevel(nl_msg* msg) {
  std::array<nlattr*, IPVS_CMD_ATTR_MAX + 1> attrs{};
  REQUIRE(genlmsg_parse(nlmsg_hdr(msg), 0, attrs.data(), IPVS_CMD_ATTR_MAX, nullptr) == 0);
  return attrs;
}

template <size_t N>
std::array<nlattr*, N> Nested(nlattr* nest) {
  std::array<nlattr*, N> attrs{};
  REQUIRE(nest != nullptr);
  REQUIRE(nla_parse_nested(attrs.data(), N - 1, nest, nullptr) == 0);
  return attrs;
}

const IpAddress kVip = IpAddress::FromString("192.0.2.10");
const IpAddress kVip6 = IpAddress::FromString("2001:db8::10");

TEST_CASE("a full service request carries every field the kernel requires") {
  Service service;
  service.key = ServiceKey::ForAddress(Protocol::kTcp, kVip, 80);
  service.scheduler = "sh";
  service.flags = ServiceFlags::kPersistent | ServiceFlags::kShFallback;
  service.timeout = 10800;
  service.persistence_prefix = 24;

  auto msg = NewMessage(IPVS_CMD_NEW_SERVICE);
  REQUIRE(codec::PutService(msg.get(), service).ok());
  auto svc = Nested<IPVS_SVC_ATTR_MAX + 1>(TopLevel(msg.get())[IPVS_CMD_ATTR_SERVICE]);

  CHECK(nla_get_u16(svc[IPVS_SVC_ATTR_AF]) == AF_INET);
  CHECK(nla_get_u16(svc[IPVS_SVC_ATTR_PROTOCOL]) == IPPROTO_TCP);
  // Port in network byte order: 80 = 0x0050 reads back as bytes 00 50.
  REQUIRE(nla_len(svc[IPVS_SVC_ATTR_PORT]) == 2);
  CHECK(static_cast<const uint8_t*>(nla_data(svc[IPVS_SVC_ATTR_PORT]))[1] == 80);
  REQUIRE(nla_len(svc[IPVS_SVC_ATTR_ADDR]) == 4);
  CHECK(std::memcmp(nla_data(svc[IPVS_SVC_ATTR_ADDR]), kVip.bytes().data(), 4) == 0);
  CHECK(svc[IPVS_SVC_ATTR_FWMARK] == nullptr);
  CHECK(std::string(nla_get_string(svc[IPVS_SVC_ATTR_SCHED_NAME])) == "sh");
  REQUIRE(nla_len(svc[IPVS_SVC_ATTR_FLAGS]) == sizeof(ip_vs_flags));
  ip_vs_flags flags{};
  std::memcpy(&flags, nla_data(svc[IPVS_SVC_ATTR_FLAGS]), sizeof(flags));
  CHECK(flags.flags == (IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_SCHED_SH_FALLBACK));
  CHECK(flags.mask == 0xffffffffu);  // replace all flags, as ipvsadm does
  CHECK(nla_get_u32(svc[IPVS_SVC_ATTR_TIMEOUT]) == 10800);
  CHECK(nla_get_u32(svc[IPVS_SVC_ATTR_NETMASK]) == htonl(0xffffff00u));
  CHECK(svc[IPVS_SVC_ATTR_PE_NAME] == nullptr);
}

TEST_CASE("IPv6 services send the persistence netmask as a prefix length") {
  Service service;
  service.key = ServiceKey::ForAddress(Protocol::kUdp, kVip6, 53);
  auto msg = NewMessage(IPVS_CMD_NEW_SERVICE);
  REQUIRE(codec::PutService(msg.get(), service).ok());
  auto svc = Nested<IPVS_SVC_ATTR_MAX + 1>(TopLevel(msg.get())[IPVS_CMD_ATTR_SERVICE]);
  CHECK(nla_get_u16(svc[IPVS_SVC_ATTR_AF]) == AF_INET6);
  CHECK(nla_len(svc[IPVS_SVC_ATTR_ADDR]) == 16);
  CHECK(nla_get_u32(svc[IPVS_SVC_ATTR_NETMASK]) == 128);

  service.persistence_prefix = 64;
  auto msg64 = NewMessage(IPVS_CMD_NEW_SERVICE);
  REQUIRE(codec::PutService(msg64.get(), service).ok());
  auto svc64 = Nested<IPVS_SVC_ATTR_MAX + 1>(TopLevel(msg64.get())[IPVS_CMD_ATTR_SERVICE]);
  CHECK(nla_get_u32(svc64[IPVS_SVC_ATTR_NETMASK]) == 64);
}

TEST_CASE("a fwmark key carries only family and mark") {
  auto msg = NewMessage(IPVS_CMD_DEL_SERVICE);
  REQUIRE(codec::PutServiceKey(msg.get(), ServiceKey::ForFwmark(AF_INET6, 0x1234)).ok());
  auto svc = Nested<IPVS_SVC_ATTR_MAX + 1>(TopLevel(msg.get())[IPVS_CMD_ATTR_SERVICE]);
  CHECK(nla_get_u16(svc[IPVS_SVC_ATTR_AF]) == AF_INET6);
  CHECK(nla_get_u32(svc[IPVS_SVC_ATTR_FWMARK]) == 0x1234);
  CHECK(svc[IPVS_SVC_ATTR_ADDR] == nullptr);
  CHECK(svc[IPVS_SVC_ATTR_PORT] == nullptr);
  CHECK(svc[IPVS_SVC_ATTR_SCHED_NAME] == nullptr);
}

TEST_CASE("what cannot be encoded is refused before sending") {
  auto msg = NewMessage(IPVS_CMD_NEW_SERVICE);
  Service bad_prefix;
  bad_prefix.key = ServiceKey::ForAddress(Protocol::kTcp, kVip, 80);
  bad_prefix.persistence_prefix = 33;
  CHECK(codec::PutService(msg.get(), bad_prefix).error().code == EINVAL);

  ServiceKey mixed = ServiceKey::ForAddress(Protocol::kTcp, kVip, 80);
  mixed.family = AF_INET6;
  CHECK(codec::PutServiceKey(msg.get(), mixed).error().code == EINVAL);

  ServiceKey no_family = ServiceKey::ForFwmark(AF_UNSPEC, 1);
  CHECK(codec::PutServiceKey(msg.get(), no_family).error().code == EAFNOSUPPORT);

  Destination unspecified;
  CHECK(codec::PutDestination(msg.get(), unspecified).error().code == EINVAL);
  // A refused nest leaves no half-written attribute behind.
  CHECK(TopLevel(msg.get())[IPVS_CMD_ATTR_SERVICE] == nullptr);
  CHECK(TopLevel(msg.get())[IPVS_CMD_ATTR_DEST] == nullptr);
}

TEST_CASE("a destination request carries forwarding, weight and thresholds") {
  Destination destination;
  destination.address = IpAddress::FromString("198.51.100.2");
  destination.port = 8080;
  destination.forward = ForwardMethod::kTunnel;
  destination.weight = 5;
  destination.upper_threshold = 100;
  destination.lower_threshold = 10;
  destination.tunnel_type = TunnelType::kGue;
  destination.tunnel_port = 6080;

  auto msg = NewMessage(IPVS_CMD_NEW_DEST);
  REQUIRE(codec::PutDestination(msg.get(), destination).ok());
  auto dest = Nested<IPVS_DEST_ATTR_MAX + 1>(TopLevel(msg.get())[IPVS_CMD_ATTR_DEST]);
  CHECK(nla_len(dest[IPVS_DEST_ATTR_ADDR]) == 4);
  CHECK(ntohs(nla_get_u16(dest[IPVS_DEST_ATTR_PORT])) == 8080);
  CHECK(nla_get_u16(dest[IPVS_DEST_ATTR_ADDR_FAMILY]) == AF_INET);
  CHECK(nla_get_u32(dest[IPVS_DEST_ATTR_FWD_METHOD]) == IP_VS_CONN_F_TUNNEL);
  CHECK(nla_get_u32(dest[IPVS_DEST_ATTR_WEIGHT]) == 5);
  CHECK(nla_get_u32(dest[IPVS_DEST_ATTR_U_THRESH]) == 100);
  CHECK(nla_get_u32(dest[IPVS_DEST_ATTR_L_THRESH]) == 10);
  CHECK(nla_get_u8(dest[IPVS_DEST_ATTR_TUN_TYPE]) == IP_VS_CONN_F_TUNNEL_TYPE_GUE);
  CHECK(ntohs(nla_get_u16(dest[IPVS_DEST_ATTR_TUN_PORT])) == 6080);

  destination.forward = ForwardMethod::kMasquerade;
  auto masq = NewMessage(IPVS_CMD_NEW_DEST);
  REQUIRE(codec::PutDestination(masq.get(), destination).ok());
  auto masq_dest = Nested<IPVS_DEST_ATTR_MAX + 1>(TopLevel(masq.get())[IPVS_CMD_ATTR_DEST]);
  CHECK(nla_get_u32(masq_dest[IPVS_DEST_ATTR_FWD_METHOD]) == IP_VS_CONN_F_MASQ);
  CHECK(masq_dest[IPVS_DEST_ATTR_TUN_TYPE] == nullptr);
}

TEST_CASE("a destination key for delete carries no settings") {
  auto msg = NewMessage(IPVS_CMD_DEL_DEST);
  REQUIRE(codec::PutDestinationKey(msg.get(), {IpAddress::FromString("2001:db8::2"), 80}).ok());
  auto dest = Nested<IPVS_DEST_ATTR_MAX + 1>(TopLevel(msg.get())[IPVS_CMD_ATTR_DEST]);
  CHECK(nla_len(dest[IPVS_DEST_ATTR_ADDR]) == 16);
  CHECK(nla_get_u16(dest[IPVS_DEST_ATTR_ADDR_FAMILY]) == AF_INET6);
  CHECK(dest[IPVS_DEST_ATTR_WEIGHT] == nullptr);
  CHECK(dest[IPVS_DEST_ATTR_FWD_METHOD] == nullptr);
}

// --- Replies, filled the way ip_vs_genl_fill_service / _fill_dest do -------------------------

void PutKernelAddress(nl_msg* msg, int attr, const IpAddress& address) {
  uint8_t padded[16] = {};  // the kernel always sends a whole union nf_inet_addr
  std::memcpy(padded, address.bytes().data(), address.bytes().size());
  REQUIRE(nla_put(msg, attr, sizeof(padded), padded) == 0);
}

void PutStats(nl_msg* msg, int attr, uint64_t base, bool wide) {
  nlattr* nest = nla_nest_start(msg, attr);
  REQUIRE(nest != nullptr);
  auto put = [&](int a, uint64_t v) {
    REQUIRE((wide ? nla_put_u64(msg, a, v) : nla_put_u32(msg, a, static_cast<uint32_t>(v))) == 0);
  };
  put(IPVS_STATS_ATTR_CONNS, base + 1);
  put(IPVS_STATS_ATTR_INPKTS, base + 2);
  put(IPVS_STATS_ATTR_OUTPKTS, base + 3);
  REQUIRE(nla_put_u64(msg, IPVS_STATS_ATTR_INBYTES, base + 4) == 0);
  REQUIRE(nla_put_u64(msg, IPVS_STATS_ATTR_OUTBYTES, base + 5) == 0);
  put(IPVS_STATS_ATTR_CPS, base + 6);
  nla_nest_end(msg, nest);
}

TEST_CASE("a dumped service parses, with 64-bit stats preferred and the hashed flag dropped") {
  auto msg = NewMessage(IPVS_CMD_NEW_SERVICE);
  nlattr* nest = nla_nest_start(msg.get(), IPVS_CMD_ATTR_SERVICE);
  REQUIRE(nla_put_u16(msg.get(), IPVS_SVC_ATTR_AF, AF_INET) == 0);
  REQUIRE(nla_put_u16(msg.get(), IPVS_SVC_ATTR_PROTOCOL, IPPROTO_SCTP) == 0);
  PutKernelAddress(msg.get(), IPVS_SVC_ATTR_ADDR, kVip);
  REQUIRE(nla_put_u16(msg.get(), IPVS_SVC_ATTR_PORT, htons(3868)) == 0);
  REQUIRE(nla_put_string(msg.get(), IPVS_SVC_ATTR_SCHED_NAME, "mh") == 0);
  ip_vs_flags flags{IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_HASHED | IP_VS_SVC_F_SCHED2, ~0u};
  REQUIRE(nla_put(msg.get(), IPVS_SVC_ATTR_FLAGS, sizeof(flags), &flags) == 0);
  REQUIRE(nla_put_u32(msg.get(), IPVS_SVC_ATTR_TIMEOUT, 300) == 0);
  REQUIRE(nla_put_u32(msg.get(), IPVS_SVC_ATTR_NETMASK, htonl(0xffff0000u)) == 0);
  PutStats(msg.get(), IPVS_SVC_ATTR_STATS, 1000, false);
  PutStats(msg.get(), IPVS_SVC_ATTR_STATS64, 5'000'000'000ull, true);
  nla_nest_end(msg.get(), nest);

  auto entry = codec::ParseService(TopLevel(msg.get())[IPVS_CMD_ATTR_SERVICE]);
  REQUIRE(entry.ok());
  const Service& service = entry->service;
  CHECK(service.key == ServiceKey::ForAddress(Protocol::kSctp, kVip, 3868));
  CHECK(service.scheduler == "mh");
  CHECK(service.flags == (ServiceFlags::kPersistent | ServiceFlags::kMhPort));
  CHECK(service.timeout == 300);
  CHECK(service.persistence_prefix == uint8_t{16});
  CHECK(entry->stats.connections == 5'000'000'001ull);
  CHECK(entry->stats.bytes_out == 5'000'000'005ull);
  CHECK(entry->stats.connections_per_second == 5'000'000'006ull);
}

TEST_CASE("a dumped fwmark service and its host netmask parse back to the request's form") {
  Service sent;
  sent.key = ServiceKey::ForFwmark(AF_INET6, 99);
  sent.scheduler = "wrr";
  auto msg = NewMessage(IPVS_CMD_NEW_SERVICE);
  REQUIRE(codec::PutService(msg.get(), sent).ok());
  auto entry = codec::ParseService(TopLevel(msg.get())[IPVS_CMD_ATTR_SERVICE]);
  REQUIRE(entry.ok());
  CHECK(entry->service == sent);
  CHECK(entry->stats == Stats{});
}

TEST_CASE("a dumped destination parses, taking the service family when none is given") {
  auto msg = NewMessage(IPVS_CMD_NEW_DEST);
  nlattr* nest = nla_nest_start(msg.get(), IPVS_CMD_ATTR_DEST);
  PutKernelAddress(msg.get(), IPVS_DEST_ATTR_ADDR, IpAddress::FromString("2001:db8::7"));
  REQUIRE(nla_put_u16(msg.get(), IPVS_DEST_ATTR_PORT, htons(8443)) == 0);
  REQUIRE(nla_put_u32(msg.get(), IPVS_DEST_ATTR_FWD_METHOD,
                      IP_VS_CONN_F_DROUTE | IP_VS_CONN_F_NOOUTPUT) == 0);
  REQUIRE(nla_put_u32(msg.get(), IPVS_DEST_ATTR_WEIGHT, 0) == 0);
  REQUIRE(nla_put_u32(msg.get(), IPVS_DEST_ATTR_U_THRESH, 50) == 0);
  REQUIRE(nla_put_u32(msg.get(), IPVS_DEST_ATTR_L_THRESH, 5) == 0);
  REQUIRE(nla_put_u32(msg.get(), IPVS_DEST_ATTR_ACTIVE_CONNS, 3) == 0);
  REQUIRE(nla_put_u32(msg.get(), IPVS_DEST_ATTR_INACT_CONNS, 4) == 0);
  REQUIRE(nla_put_u32(msg.get(), IPVS_DEST_ATTR_PERSIST_CONNS, 1) == 0);
  PutStats(msg.get(), IPVS_DEST_ATTR_STATS, 10, false);
  nla_nest_end(msg.get(), nest);

  auto entry = codec::ParseDestination(TopLevel(msg.get())[IPVS_CMD_ATTR_DEST], AF_INET6);
  REQUIRE(entry.ok());
  CHECK(entry->destination.address == IpAddress::FromString("2001:db8::7"));
  CHECK(entry->destination.port == 8443);
  CHECK(entry->destination.forward == ForwardMethod::kDirectRoute);
  CHECK(entry->destination.weight == 0);
  CHECK(entry->destination.upper_threshold == 50);
  CHECK(entry->destination.lower_threshold == 5);
  CHECK(entry->active_connections == 3);
  CHECK(entry->inactive_connections == 4);
  CHECK(entry->persistent_connections == 1);
  CHECK(entry->stats.connections == 11);  // 32-bit stats when no 64-bit set is present
  CHECK(entry->stats.bytes_in == 14);
}

TEST_CASE("a destination request parses back to the same destination") {
  Destination sent;
  sent.address = IpAddress::FromString("203.0.113.9");
  sent.port = 443;
  sent.forward = ForwardMethod::kTunnel;
  sent.weight = 7;
  sent.tunnel_type = TunnelType::kGre;
  sent.tunnel_flags = 1;
  auto msg = NewMessage(IPVS_CMD_NEW_DEST);
  REQUIRE(codec::PutDestination(msg.get(), sent).ok());
  // The family attribute wins over the service's (a tunnel may cross families).
  auto entry = codec::ParseDestination(TopLevel(msg.get())[IPVS_CMD_ATTR_DEST], AF_INET6);
  REQUIRE(entry.ok());
  CHECK(entry->destination == sent);
}

TEST_CASE("malformed replies are errors, not crashes") {
  auto msg = NewMessage(IPVS_CMD_NEW_SERVICE);
  nlattr* nest = nla_nest_start(msg.get(), IPVS_CMD_ATTR_SERVICE);
  REQUIRE(nla_put_u16(msg.get(), IPVS_SVC_ATTR_PROTOCOL, IPPROTO_TCP) == 0);  // no family
  nla_nest_end(msg.get(), nest);
  nest = nla_nest_start(msg.get(), IPVS_CMD_ATTR_DEST);
  REQUIRE(nla_put_u16(msg.get(), IPVS_DEST_ATTR_PORT, htons(80)) == 0);  // no address
  nla_nest_end(msg.get(), nest);
  auto attrs = TopLevel(msg.get());

  CHECK(codec::ParseService(attrs[IPVS_CMD_ATTR_SERVICE]).error().code == EBADMSG);
  CHECK(codec::ParseService(nullptr).error().code == EBADMSG);
  CHECK(codec::ParseDestination(attrs[IPVS_CMD_ATTR_DEST], AF_INET).error().code == EBADMSG);

  auto short_address = NewMessage(IPVS_CMD_NEW_SERVICE);
  nest = nla_nest_start(short_address.get(), IPVS_CMD_ATTR_SERVICE);
  REQUIRE(nla_put_u16(short_address.get(), IPVS_SVC_ATTR_AF, AF_INET6) == 0);
  REQUIRE(nla_put_u16(short_address.get(), IPVS_SVC_ATTR_PROTOCOL, IPPROTO_TCP) == 0);
  REQUIRE(nla_put_u16(short_address.get(), IPVS_SVC_ATTR_PORT, htons(80)) == 0);
  REQUIRE(nla_put(short_address.get(), IPVS_SVC_ATTR_ADDR, 4, kVip.bytes().data()) == 0);
  nla_nest_end(short_address.get(), nest);
  CHECK(codec::ParseService(TopLevel(short_address.get())[IPVS_CMD_ATTR_SERVICE]).error().code ==
        EINVAL);
}

}  // namespace
}  // namespace kr::ipvs
