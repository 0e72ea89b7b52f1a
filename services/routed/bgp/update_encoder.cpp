// UPDATE encoding. On a session without the 4-octet AS capability, ASNs above 65535 go out as
// AS_TRANS with AS4_PATH / AS4_AGGREGATOR beside them (RFC 6793 4.2.2).
#include <algorithm>

#include "services/routed/bgp/byte_io.h"
#include "services/routed/bgp/nlri.h"
#include "services/routed/bgp/update_message.h"

namespace kr::bgp {

namespace {

constexpr uint8_t kWellKnown = attr::kFlagTransitive;
constexpr uint8_t kOptionalTransitive = attr::kFlagOptional | attr::kFlagTransitive;
constexpr uint8_t kOptionalNonTransitive = attr::kFlagOptional;

struct Encoded {
  uint8_t flags = 0;
  uint8_t type = 0;
  std::vector<uint8_t> value;
};

void WriteAttribute(uint8_t flags, uint8_t type, std::span<const uint8_t> value,
                    std::vector<uint8_t>& out) {
  ByteWriter w(out);
  const bool extended = value.size() > 255;
  w.U8(static_cast<uint8_t>((flags & ~attr::kFlagExtendedLength & 0xf0) |
                            (extended ? attr::kFlagExtendedLength : 0)));
  w.U8(type);
  if (extended) {
    w.U16(static_cast<uint16_t>(value.size()));
  } else {
    w.U8(static_cast<uint8_t>(value.size()));
  }
  w.Bytes(value);
}

std::vector<uint8_t> U32Value(uint32_t v) {
  std::vector<uint8_t> out;
  ByteWriter(out).U32(v);
  return out;
}

std::vector<uint8_t> Ipv4Value(const IpAddress& a) {
  return a.is_v4() ? std::vector<uint8_t>(a.bytes().begin(), a.bytes().end())
                   : std::vector<uint8_t>(4, 0);
}

std::vector<uint8_t> AggregatorValue(const Aggregator& agg, size_t as_size) {
  std::vector<uint8_t> out;
  ByteWriter w(out);
  if (as_size == 4) {
    w.U32(agg.asn);
  } else {
    w.U16(static_cast<uint16_t>(agg.asn > 0xffff ? kAsTrans : agg.asn));
  }
  w.Bytes(Ipv4Value(agg.address));
  return out;
}

std::vector<Encoded> EncodeKnown(const PathAttributes& p, const CodecOptions& options) {
  std::vector<Encoded> list;
  const size_t as_size = options.four_octet_as ? 4 : 2;
  if (p.origin) list.push_back({kWellKnown, attr::kOrigin, {static_cast<uint8_t>(*p.origin)}});
  if (p.as_path) {
    Encoded e{kWellKnown, attr::kAsPath, {}};
    EncodeAsPath(*p.as_path, as_size, e.value);
    list.push_back(std::move(e));
    if (as_size == 2 && p.as_path->NeedsFourOctets()) {
      Encoded as4{kOptionalTransitive, attr::kAs4Path, {}};
      EncodeAsPath(WithoutConfedSegments(*p.as_path), 4, as4.value);
      list.push_back(std::move(as4));
    }
  }
  if (p.next_hop) list.push_back({kWellKnown, attr::kNextHop, Ipv4Value(*p.next_hop)});
  if (p.med) list.push_back({kOptionalNonTransitive, attr::kMultiExitDisc, U32Value(*p.med)});
  if (p.local_pref) list.push_back({kWellKnown, attr::kLocalPref, U32Value(*p.local_pref)});
  if (p.atomic_aggregate) list.push_back({kWellKnown, attr::kAtomicAggregate, {}});
  if (p.aggregator) {
    list.push_back(
        {kOptionalTransitive, attr::kAggregator, AggregatorValue(*p.aggregator, as_size)});
    if (as_size == 2 && p.aggregator->asn > 0xffff) {
      list.push_back(
          {kOptionalTransitive, attr::kAs4Aggregator, AggregatorValue(*p.aggregator, 4)});
    }
  }
  if (!p.communities.empty()) {
    Encoded e{kOptionalTransitive, attr::kCommunities, {}};
    for (uint32_t c : p.communities) ByteWriter(e.value).U32(c);
    list.push_back(std::move(e));
  }
  if (p.originator_id) {
    list.push_back({kOptionalNonTransitive, attr::kOriginatorId, Ipv4Value(*p.originator_id)});
  }
  if (!p.cluster_list.empty()) {
    Encoded e{kOptionalNonTransitive, attr::kClusterList, {}};
    for (uint32_t id : p.cluster_list) ByteWriter(e.value).U32(id);
    list.push_back(std::move(e));
  }
  if (!p.extended_communities.empty()) {
    Encoded e{kOptionalTransitive, attr::kExtendedCommunities, {}};
    for (uint64_t c : p.extended_communities) {
      ByteWriter(e.value).U32(static_cast<uint32_t>(c >> 32));
      ByteWriter(e.value).U32(static_cast<uint32_t>(c));
    }
    list.push_back(std::move(e));
  }
  if (!p.large_communities.empty()) {
    Encoded e{kOptionalTransitive, attr::kLargeCommunities, {}};
    ByteWriter w(e.value);
    for (const LargeCommunity& c : p.large_communities) {
      w.U32(c.global_admin);
      w.U32(c.local_data1);
      w.U32(c.local_data2);
    }
    list.push_back(std::move(e));
  }
  return list;
}

void EncodeMpReach(const MpReachNlri& mp, std::vector<uint8_t>& out) {
  std::vector<uint8_t> value;
  ByteWriter w(value);
  w.U16(mp.family.afi);
  w.U8(mp.family.safi);
  const size_t nh_length = mp.next_hop.size() + (mp.link_local_next_hop ? 16 : 0);
  w.U8(static_cast<uint8_t>(nh_length));
  w.Bytes(mp.next_hop.bytes());
  if (mp.link_local_next_hop) w.Bytes(mp.link_local_next_hop->bytes());
  w.U8(0);  // reserved (was the SNPA count)
  for (const IpPrefix& p : mp.nlri) EncodePrefix(p, value);
  WriteAttribute(kOptionalNonTransitive, attr::kMpReachNlri, value, out);
}

void EncodeMpUnreach(const MpUnreachNlri& mp, std::vector<uint8_t>& out) {
  std::vector<uint8_t> value;
  ByteWriter w(value);
  w.U16(mp.family.afi);
  w.U8(mp.family.safi);
  for (const IpPrefix& p : mp.withdrawn) EncodePrefix(p, value);
  WriteAttribute(kOptionalNonTransitive, attr::kMpUnreachNlri, value, out);
}

}  // namespace

void EncodePathAttributes(const PathAttributes& attributes, const CodecOptions& options,
                          std::vector<uint8_t>& out) {
  std::vector<Encoded> list = EncodeKnown(attributes, options);
  for (const RawAttribute& raw : attributes.unknown_transitive) {
    list.push_back({raw.flags, raw.type, raw.value});
  }
  std::stable_sort(list.begin(), list.end(),
                   [](const Encoded& x, const Encoded& y) { return x.type < y.type; });
  for (const Encoded& e : list) WriteAttribute(e.flags, e.type, e.value, out);
}

void EncodeUpdateBody(const UpdateMessage& u, const CodecOptions& options,
                      std::vector<uint8_t>& out) {
  ByteWriter w(out);
  const size_t withdrawn_at = w.ReserveU16();
  for (const IpPrefix& p : u.withdrawn) EncodePrefix(p, out);
  w.PatchU16(withdrawn_at, static_cast<uint16_t>(out.size() - withdrawn_at - 2));
  const size_t attributes_at = w.ReserveU16();
  if (u.mp_reach) EncodeMpReach(*u.mp_reach, out);
  if (u.mp_unreach) EncodeMpUnreach(*u.mp_unreach, out);
  EncodePathAttributes(u.attributes, options, out);
  w.PatchU16(attributes_at, static_cast<uint16_t>(out.size() - attributes_at - 2));
  for (const IpPrefix& p : u.nlri) EncodePrefix(p, out);
}

}  // namespace kr::bgp
