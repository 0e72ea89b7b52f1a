#include "services/routed/bgp/fuzz/seed_messages.h"

#include "services/routed/bgp/fuzz/fuzz_one_input.h"
#include "services/routed/bgp/message.h"

namespace kr::bgp::fuzz {

namespace {

IpAddress Ip(const char* text) {
  return *IpAddress::Parse(text);
}
IpPrefix Net(const char* text) {
  return *IpPrefix::Parse(text);
}

Seed Make(std::string name, uint8_t control, const std::vector<Message>& messages) {
  Seed seed{std::move(name), {control}};
  for (const Message& m : messages) {
    (void)AppendMessage(m, OptionsFromControl(control), seed.input);
  }
  return seed;
}

OpenMessage FullOpen() {
  Capabilities caps;
  caps.multiprotocol = {kIpv4Unicast, kIpv6Unicast};
  caps.route_refresh = true;
  caps.enhanced_route_refresh = true;
  caps.graceful_restart =
      GracefulRestartCapability{true, true, 120, {{kIpv4Unicast, true}, {kIpv6Unicast, false}}};
  caps.unknown.push_back(RawCapability{73, {4, 'n', 'o', 'd', 'e', 0}});  // FQDN-like
  return MakeOpen(4200000001u, 90, 0xc0000201, caps);
}

PathAttributes FullAttributes() {
  PathAttributes a;
  a.origin = Origin::kIgp;
  a.as_path = AsPath{{{AsSegmentType::kSequence, {65001, 4200000001u, 65003}},
                      {AsSegmentType::kSet, {65010, 65011}}}};
  a.next_hop = Ip("192.0.2.1");
  a.med = 100;
  a.local_pref = 200;
  a.atomic_aggregate = true;
  a.aggregator = Aggregator{4200000001u, Ip("192.0.2.9")};
  a.communities = {0xfde80064, community::kNoExport};
  a.originator_id = Ip("192.0.2.7");
  a.cluster_list = {0xc0000201, 0xc0000202};
  a.extended_communities = {0x0002fde800000064ull};
  a.large_communities = {{4200000001u, 1, 2}};
  a.unknown_transitive = {RawAttribute{0xe0, 99, {1, 2, 3}}};
  return a;
}

UpdateMessage Ipv4Update() {
  UpdateMessage u;
  u.withdrawn = {Net("198.51.100.0/24")};
  u.attributes = FullAttributes();
  u.nlri = {Net("203.0.113.0/24"), Net("10.0.0.0/8"), Net("192.0.2.128/25")};
  return u;
}

UpdateMessage Ipv6Update() {
  UpdateMessage u;
  u.attributes.origin = Origin::kIncomplete;
  u.attributes.as_path = AsPath{{{AsSegmentType::kSequence, {65001}}}};
  u.mp_reach = MpReachNlri{kIpv6Unicast,
                           Ip("2001:db8::1"),
                           Ip("fe80::1"),
                           {Net("2001:db8:1::/48"), Net("2001:db8:2::/64")}};
  u.mp_unreach = MpUnreachNlri{kIpv6Unicast, {Net("2001:db8:ff::/48")}};
  return u;
}

UpdateMessage LongAsPathUpdate() {
  UpdateMessage u;
  u.attributes.origin = Origin::kEgp;
  AsPathSegment long_sequence{AsSegmentType::kSequence, {}};
  for (uint32_t i = 0; i < 300; ++i) long_sequence.asns.push_back(64512 + i);
  u.attributes.as_path = AsPath{{{AsSegmentType::kConfedSequence, {65100}}, long_sequence}};
  u.attributes.next_hop = Ip("192.0.2.2");
  u.nlri = {Net("192.0.2.0/24")};
  return u;
}

}  // namespace

std::vector<Seed> SeedCorpus() {
  const uint8_t ebgp4 = ControlFor(true, true);
  const uint8_t ibgp4 = ControlFor(true, false);
  const uint8_t ebgp2 = ControlFor(false, true);
  NotificationMessage shutdown{err::kCease, err::kAdministrativeShutdown, {4, 'b', 'y', 'e', '!'}};
  return {
      Make("open-full", ebgp4, {FullOpen()}),
      Make("open-minimal", ebgp4, {OpenMessage{65001, 180, 0x0a000001, {}}}),
      Make("keepalive", ebgp4, {KeepaliveMessage{}}),
      Make("notification-shutdown", ebgp4, {shutdown}),
      Make("notification-update-error", ebgp4,
           {NotificationMessage{err::kUpdateMessage, err::kAttributeFlagsError, {0x40, 1, 1, 0}}}),
      Make("route-refresh", ebgp4,
           {RouteRefreshMessage{kIpv4Unicast, 0}, RouteRefreshMessage{kIpv6Unicast, 1},
            RouteRefreshMessage{kIpv6Unicast, 2}}),
      Make("update-ipv4-ibgp", ibgp4, {Ipv4Update()}),
      Make("update-ipv4-ebgp-2octet", ebgp2, {Ipv4Update()}),
      Make("update-ipv6", ebgp4, {Ipv6Update()}),
      Make("update-long-as-path-2octet", ebgp2 | 0x30, {LongAsPathUpdate()}),
      Make("end-of-rib", ebgp4, {MakeEndOfRib(kIpv4Unicast), MakeEndOfRib(kIpv6Unicast)}),
      Make("session-stream", ibgp4 | 0x10,
           {FullOpen(), KeepaliveMessage{}, Ipv4Update(), Ipv6Update(), MakeEndOfRib(kIpv4Unicast),
            shutdown}),
  };
}

}  // namespace kr::bgp::fuzz
