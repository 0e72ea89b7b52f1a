// UPDATE packing: shared attributes share messages, every message fits 4096 bytes, and what
// goes in comes out (decoded again).
#include "services/routed/bgp/update_packer.h"

#include <catch2/catch.hpp>
#include <set>

#include "services/routed/bgp/message.h"

namespace kr::bgp {
namespace {

IpAddress A(const char* text) {
  return *IpAddress::Parse(text);
}

PathAttributes Attributes(uint32_t med) {
  PathAttributes a;
  a.origin = Origin::kIgp;
  a.as_path = AsPath{{{AsSegmentType::kSequence, {65001, 65002}}}};
  a.next_hop = A("192.0.2.1");
  a.med = med;
  a.communities = {0xfde90064};
  return a;
}

// 10.a.b.0/24 for i in [0, n).
std::vector<OutgoingRoute> V4Routes(size_t n, const std::optional<PathAttributes>& attributes) {
  std::vector<OutgoingRoute> routes;
  for (size_t i = 0; i < n; ++i) {
    const auto address = IpAddress::V4(0x0a000000u | static_cast<uint32_t>(i << 8));
    routes.push_back(OutgoingRoute{1, IpPrefix(address, 24), attributes, A("192.0.2.1")});
  }
  return routes;
}

std::vector<const OutgoingRoute*> Pointers(const std::vector<OutgoingRoute>& routes) {
  std::vector<const OutgoingRoute*> out;
  for (const auto& r : routes) out.push_back(&r);
  return out;
}

// Encodes each UPDATE (failing when one exceeds 4096 bytes) and decodes it back.
std::vector<UpdateMessage> RoundTrip(const std::vector<UpdateMessage>& updates,
                                     const CodecOptions& options) {
  std::vector<UpdateMessage> decoded;
  for (const UpdateMessage& u : updates) {
    std::vector<uint8_t> bytes;
    REQUIRE(AppendMessage(u, options, bytes));
    REQUIRE(bytes.size() <= kMaxMessageLength);
    auto result = DecodeMessage(bytes, options);
    REQUIRE(result.ok());
    decoded.push_back(std::get<UpdateMessage>(result.value().message));
  }
  return decoded;
}

TEST_CASE("bgp packer: 10,000 prefixes with one attribute set fill a handful of UPDATEs", "[bgp]") {
  CodecOptions options;
  options.four_octet_as = true;
  const auto routes = V4Routes(10000, Attributes(7));
  const auto updates = PackUpdates(Pointers(routes), options);
  // 4 bytes per /24 and ~4040 bytes of room: 10,000 prefixes need at least 10.
  CHECK(updates.size() >= 10);
  CHECK(updates.size() <= 12);
  std::set<IpPrefix> seen;
  for (const UpdateMessage& u : RoundTrip(updates, options)) {
    CHECK(u.attributes.med == 7u);
    CHECK(u.attributes.as_path->ToString() == "65001 65002");
    for (const IpPrefix& p : u.nlri) seen.insert(p);
  }
  CHECK(seen.size() == 10000);
}

TEST_CASE("bgp packer: different attribute sets go in different UPDATEs", "[bgp]") {
  CodecOptions options;
  auto routes = V4Routes(6, Attributes(1));
  for (size_t i = 0; i < routes.size(); i += 2) routes[i].attributes = Attributes(2);
  const auto updates = RoundTrip(PackUpdates(Pointers(routes), options), options);
  REQUIRE(updates.size() == 2);
  for (const UpdateMessage& u : updates) {
    CHECK(u.nlri.size() == 3);
    const uint32_t med = *u.attributes.med;
    for (const IpPrefix& p : u.nlri) {
      const size_t index = (p.address().v4() >> 8) & 0xffff;
      CHECK(med == (index % 2 == 0 ? 2u : 1u));
    }
  }
}

TEST_CASE("bgp packer: withdrawals are packed per family, before announcements", "[bgp]") {
  CodecOptions options;
  auto routes = V4Routes(3000, std::nullopt);
  for (uint32_t i = 0; i < 2000; ++i) {
    std::array<uint8_t, 16> bytes{
        0x20, 0x01, 0x0d, 0xb8, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
    routes.push_back(
        OutgoingRoute{1, IpPrefix(*IpAddress::FromBytes(bytes), 48), std::nullopt, IpAddress{}});
  }
  routes.push_back(
      OutgoingRoute{1, *IpPrefix::Parse("198.51.100.0/24"), Attributes(1), A("192.0.2.1")});
  const auto updates = RoundTrip(PackUpdates(Pointers(routes), options), options);
  size_t v4 = 0;
  size_t v6 = 0;
  for (const UpdateMessage& u : updates) {
    v4 += u.withdrawn.size();
    if (u.mp_unreach) v6 += u.mp_unreach->withdrawn.size();
  }
  CHECK(v4 == 3000);
  CHECK(v6 == 2000);
  // 3000 * 4 bytes and 2000 * 7 bytes: 3 + 4 messages, then the announcement.
  CHECK(updates.size() == 8);
  REQUIRE(!updates.back().nlri.empty());
  CHECK(updates.back().nlri.front() == *IpPrefix::Parse("198.51.100.0/24"));
}

TEST_CASE("bgp packer: IPv6 announcements share MP_REACH per attribute set and next hop", "[bgp]") {
  CodecOptions options;
  options.four_octet_as = true;
  PathAttributes attributes = Attributes(3);
  attributes.next_hop.reset();
  std::vector<OutgoingRoute> routes;
  for (uint32_t i = 0; i < 3000; ++i) {
    std::array<uint8_t, 16> bytes{
        0x20, 0x01, 0x0d, 0xb8, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
    routes.push_back(OutgoingRoute{1, IpPrefix(*IpAddress::FromBytes(bytes), 48), attributes,
                                   i < 2000 ? A("2001:db8::1") : A("2001:db8::2")});
  }
  const auto updates = RoundTrip(PackUpdates(Pointers(routes), options), options);
  size_t first = 0;
  size_t second = 0;
  for (const UpdateMessage& u : updates) {
    REQUIRE(u.mp_reach);
    CHECK(u.nlri.empty());
    (u.mp_reach->next_hop == A("2001:db8::1") ? first : second) += u.mp_reach->nlri.size();
  }
  CHECK(first == 2000);
  CHECK(second == 1000);
  CHECK(updates.size() <= 7);  // 7 bytes per /48: ~570 per message
}

TEST_CASE("bgp packer: only the last entry for a prefix counts", "[bgp]") {
  CodecOptions options;
  std::vector<OutgoingRoute> routes = V4Routes(1, Attributes(1));
  routes.push_back(routes.front());
  routes.back().attributes.reset();  // then withdrawn
  const auto updates = PackUpdates(Pointers(routes), options);
  REQUIRE(updates.size() == 1);
  CHECK(updates[0].nlri.empty());
  CHECK(updates[0].withdrawn.size() == 1);
}

TEST_CASE("bgp packer: attributes too large to send turn the route into a withdrawal", "[bgp]") {
  CodecOptions options;
  PathAttributes huge = Attributes(1);
  huge.communities.assign(1100, 0xfde90064);  // 4400 bytes
  std::vector<OutgoingRoute> routes = V4Routes(2, huge);
  const auto updates = RoundTrip(PackUpdates(Pointers(routes), options), options);
  REQUIRE(updates.size() == 1);
  CHECK(updates[0].withdrawn.size() == 2);
}

}  // namespace
}  // namespace kr::bgp
