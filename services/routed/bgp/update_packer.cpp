#include "services/routed/bgp/update_packer.h"

#include <map>
#include <utility>

#include "services/routed/bgp/nlri.h"

namespace kr::bgp {
namespace {

// Header, Withdrawn Routes Length, Total Path Attribute Length.
constexpr size_t kFixedSize = kHeaderLength + 2 + 2;
// Flags, type and a two-octet length, then AFI and SAFI.
constexpr size_t kMpAttributeOverhead = 4 + 3;

// Prefixes of one kind cut into runs of at most `room` encoded bytes each.
std::vector<std::vector<IpPrefix>> Chunk(const std::vector<IpPrefix>& prefixes, size_t room) {
  std::vector<std::vector<IpPrefix>> chunks;
  size_t used = room;  // forces a first chunk
  for (const IpPrefix& p : prefixes) {
    const size_t size = EncodedPrefixSize(p);
    if (used + size > room) {
      chunks.emplace_back();
      used = 0;
    }
    chunks.back().push_back(p);
    used += size;
  }
  return chunks;
}

struct Group {
  PathAttributes attributes;
  std::optional<IpAddress> mp_next_hop;  // IPv6: MP_REACH next hop
  std::vector<IpPrefix> prefixes;
};

}  // namespace

std::vector<UpdateMessage> PackUpdates(const std::vector<const OutgoingRoute*>& routes,
                                       const CodecOptions& options, size_t max_length) {
  // The last entry per prefix wins.
  std::map<IpPrefix, const OutgoingRoute*> last;
  for (const OutgoingRoute* r : routes) last[r->prefix] = r;

  std::vector<IpPrefix> withdraw_v4;
  std::vector<IpPrefix> withdraw_v6;
  std::vector<Group> groups;
  // Encoded attributes (plus the IPv6 next hop) -> index in `groups`. Routes usually arrive
  // in runs sharing attributes, so the previous group is tried before encoding.
  std::map<std::pair<std::vector<uint8_t>, std::optional<IpAddress>>, size_t> index;
  std::vector<size_t> attribute_sizes;
  for (const OutgoingRoute* r : routes) {
    if (last[r->prefix] != r) continue;
    const bool v4 = r->prefix.family() == IpFamily::kIpv4;
    if (!r->attributes) {
      (v4 ? withdraw_v4 : withdraw_v6).push_back(r->prefix);
      continue;
    }
    std::optional<IpAddress> mp_next_hop;
    if (!v4) mp_next_hop = r->next_hop;
    auto same_as = [&](const Group& g) {
      return g.mp_next_hop == mp_next_hop && g.attributes == *r->attributes;
    };
    if (!groups.empty() && same_as(groups.back())) {
      groups.back().prefixes.push_back(r->prefix);
      continue;
    }
    PathAttributes attributes = *r->attributes;
    if (!v4) attributes.next_hop.reset();  // IPv6 carries it in MP_REACH only
    std::vector<uint8_t> encoded;
    EncodePathAttributes(attributes, options, encoded);
    const size_t encoded_size = encoded.size();
    auto [it, inserted] = index.try_emplace({std::move(encoded), mp_next_hop}, groups.size());
    if (inserted) {
      groups.push_back(Group{std::move(attributes), mp_next_hop, {}});
      attribute_sizes.push_back(encoded_size);
    }
    groups[it->second].prefixes.push_back(r->prefix);
  }

  // Room left for NLRI per group; attributes too large to leave room for even one prefix
  // cannot be sent at all, so those prefixes are withdrawn instead (an earlier version of
  // the route must not linger at the peer).
  constexpr size_t kLargestPrefix = 17;
  std::vector<size_t> room(groups.size(), 0);
  for (size_t g = 0; g < groups.size(); ++g) {
    size_t overhead = kFixedSize + attribute_sizes[g];
    if (groups[g].mp_next_hop) {
      // Next-hop length, next hop, reserved octet.
      overhead += kMpAttributeOverhead + 1 + groups[g].mp_next_hop->size() + 1;
    }
    if (overhead + kLargestPrefix <= max_length) {
      room[g] = max_length - overhead;
      continue;
    }
    for (const IpPrefix& p : groups[g].prefixes) {
      (p.family() == IpFamily::kIpv4 ? withdraw_v4 : withdraw_v6).push_back(p);
    }
    groups[g].prefixes.clear();
  }

  std::vector<UpdateMessage> updates;
  for (auto& chunk : Chunk(withdraw_v4, max_length - kFixedSize)) {
    UpdateMessage u;
    u.withdrawn = std::move(chunk);
    updates.push_back(std::move(u));
  }
  for (auto& chunk : Chunk(withdraw_v6, max_length - kFixedSize - kMpAttributeOverhead)) {
    UpdateMessage u;
    u.mp_unreach = MpUnreachNlri{kIpv6Unicast, std::move(chunk)};
    updates.push_back(std::move(u));
  }
  for (size_t g = 0; g < groups.size(); ++g) {
    Group& group = groups[g];
    for (auto& chunk : Chunk(group.prefixes, room[g])) {
      UpdateMessage u;
      u.attributes = group.attributes;
      if (group.mp_next_hop) {
        u.mp_reach = MpReachNlri{kIpv6Unicast, *group.mp_next_hop, std::nullopt, std::move(chunk)};
      } else {
        u.nlri = std::move(chunk);
      }
      updates.push_back(std::move(u));
    }
  }
  return updates;
}

}  // namespace kr::bgp
