#include "services/routed/bgp/attribute_decoder.h"

#include "services/routed/bgp/byte_io.h"
#include "services/routed/bgp/nlri.h"

namespace kr::bgp::detail {

namespace {

constexpr uint8_t kWellKnown = attr::kFlagTransitive;
constexpr uint8_t kOptionalTransitive = attr::kFlagOptional | attr::kFlagTransitive;
constexpr uint8_t kOptionalNonTransitive = attr::kFlagOptional;

// Optional and Transitive bits each known attribute type must carry; nullopt = unrecognized.
std::optional<uint8_t> ExpectedFlags(uint8_t type) {
  switch (type) {
    case attr::kOrigin:
    case attr::kAsPath:
    case attr::kNextHop:
    case attr::kLocalPref:
    case attr::kAtomicAggregate:
      return kWellKnown;
    case attr::kAggregator:
    case attr::kCommunities:
    case attr::kExtendedCommunities:
    case attr::kAs4Path:
    case attr::kAs4Aggregator:
    case attr::kLargeCommunities:
      return kOptionalTransitive;
    case attr::kMultiExitDisc:
    case attr::kOriginatorId:
    case attr::kClusterList:
    case attr::kMpReachNlri:
    case attr::kMpUnreachNlri:
      return kOptionalNonTransitive;
    default:
      return std::nullopt;
  }
}

AttributeProblem Problem(Verdict verdict, uint8_t subcode, std::string reason) {
  return AttributeProblem{verdict, subcode, true, std::move(reason)};
}

std::optional<AttributeProblem> LengthProblem(Verdict verdict, const WireAttribute& a,
                                              const char* name) {
  return Problem(verdict, err::kAttributeLengthError,
                 std::string(name) + " with length " + std::to_string(a.value.size()));
}

uint32_t ReadU32At(std::span<const uint8_t> v, size_t at) {
  return static_cast<uint32_t>(v[at]) << 24 | static_cast<uint32_t>(v[at + 1]) << 16 |
         static_cast<uint32_t>(v[at + 2]) << 8 | v[at + 3];
}

IpAddress Ipv4At(std::span<const uint8_t> v, size_t at) {
  return IpAddress::V4(ReadU32At(v, at));
}

// RFC 4271 6.3: a NEXT_HOP must be a valid IP host address.
bool IsHostAddress(const IpAddress& a) {
  const uint32_t v = a.v4();
  return v != 0 && v != 0xffffffff && (v >> 28) != 0xe;
}

}  // namespace

std::optional<AttributeProblem> AttributeDecoder::Decode(const WireAttribute& a) {
  if (!ExpectedFlags(a.type)) {
    if ((a.flags & attr::kFlagOptional) == 0) {
      return Problem(Verdict::kSessionReset, err::kUnrecognizedWellKnownAttribute,
                     "unrecognized well-known attribute " + std::to_string(a.type));
    }
    if ((a.flags & attr::kFlagTransitive) != 0) {
      // RFC 4271 5: kept for propagation, marked Partial because we did not understand it.
      const uint8_t flags = static_cast<uint8_t>((a.flags & 0xe0) | attr::kFlagPartial);
      update_.attributes.unknown_transitive.push_back(
          RawAttribute{flags, a.type, {a.value.begin(), a.value.end()}});
    }
    return std::nullopt;
  }
  // Attributes this session must ignore are ignored whatever their form: LOCAL_PREF from an
  // eBGP peer (RFC 4271 5.1.5), AS4_PATH/AS4_AGGREGATOR between NEW speakers (RFC 6793 4.1).
  const bool as4 = a.type == attr::kAs4Path || a.type == attr::kAs4Aggregator;
  if ((a.type == attr::kLocalPref && options_.external_peer) || (as4 && options_.four_octet_as)) {
    return std::nullopt;
  }
  if (auto problem = CheckFlags(a)) return problem;
  return DecodeKnown(a);
}

std::optional<AttributeProblem> AttributeDecoder::CheckFlags(const WireAttribute& a) const {
  const uint8_t expected = *ExpectedFlags(a.type);
  const uint8_t got = a.flags & (attr::kFlagOptional | attr::kFlagTransitive);
  const bool partial_allowed = expected == kOptionalTransitive;
  if (got == expected && (partial_allowed || (a.flags & attr::kFlagPartial) == 0)) {
    return std::nullopt;
  }
  Verdict verdict = Verdict::kTreatAsWithdraw;  // RFC 7606 3(c)
  if (a.type == attr::kMpReachNlri || a.type == attr::kMpUnreachNlri) {
    verdict = Verdict::kSessionReset;  // its NLRI cannot be trusted, so nothing to withdraw
  } else if (a.type == attr::kAs4Path || a.type == attr::kAs4Aggregator) {
    verdict = Verdict::kAttributeDiscard;  // RFC 6793 6
  }
  return Problem(verdict, err::kAttributeFlagsError,
                 "attribute " + std::to_string(a.type) + " with flags " + std::to_string(a.flags));
}

std::optional<AttributeProblem> AttributeDecoder::DecodeKnown(const WireAttribute& a) {
  PathAttributes& p = update_.attributes;
  const std::span<const uint8_t> v = a.value;
  switch (a.type) {
    case attr::kOrigin:
      if (v.size() != 1) return LengthProblem(Verdict::kTreatAsWithdraw, a, "ORIGIN");
      if (v[0] > 2) {
        return Problem(Verdict::kTreatAsWithdraw, err::kInvalidOrigin,
                       "ORIGIN value " + std::to_string(v[0]));
      }
      p.origin = static_cast<Origin>(v[0]);
      return std::nullopt;
    case attr::kAsPath: {
      auto path = DecodeAsPath(v, options_.four_octet_as ? 4 : 2);
      if (!path) {
        AttributeProblem problem =
            Problem(Verdict::kTreatAsWithdraw, err::kMalformedAsPath, "malformed AS_PATH");
        problem.attribute_data = false;
        return problem;
      }
      p.as_path = std::move(*path);
      return std::nullopt;
    }
    case attr::kNextHop:
      if (v.size() != 4) return LengthProblem(Verdict::kTreatAsWithdraw, a, "NEXT_HOP");
      if (!IsHostAddress(Ipv4At(v, 0))) {
        // Only the IPv4 NLRI field uses NEXT_HOP (RFC 4760 3); without it, just drop it.
        const Verdict verdict =
            update_.nlri.empty() ? Verdict::kAttributeDiscard : Verdict::kTreatAsWithdraw;
        return Problem(verdict, err::kInvalidNextHop,
                       "NEXT_HOP " + Ipv4At(v, 0).ToString() + " is not a host address");
      }
      p.next_hop = Ipv4At(v, 0);
      return std::nullopt;
    case attr::kMultiExitDisc:
      if (v.size() != 4) return LengthProblem(Verdict::kTreatAsWithdraw, a, "MULTI_EXIT_DISC");
      p.med = ReadU32At(v, 0);
      return std::nullopt;
    case attr::kLocalPref:
      if (v.size() != 4) return LengthProblem(Verdict::kTreatAsWithdraw, a, "LOCAL_PREF");
      p.local_pref = ReadU32At(v, 0);
      return std::nullopt;
    case attr::kAtomicAggregate:
      if (!v.empty()) return LengthProblem(Verdict::kAttributeDiscard, a, "ATOMIC_AGGREGATE");
      p.atomic_aggregate = true;
      return std::nullopt;
    case attr::kAggregator: {
      const size_t as_size = options_.four_octet_as ? 4 : 2;
      if (v.size() != as_size + 4) {
        return LengthProblem(Verdict::kAttributeDiscard, a, "AGGREGATOR");
      }
      const uint32_t asn =
          as_size == 4 ? ReadU32At(v, 0) : (static_cast<uint32_t>(v[0]) << 8 | v[1]);
      if (asn == 0) {  // RFC 7607
        return Problem(Verdict::kAttributeDiscard, err::kOptionalAttributeError, "AGGREGATOR AS 0");
      }
      p.aggregator = Aggregator{asn, Ipv4At(v, as_size)};
      return std::nullopt;
    }
    case attr::kCommunities:
      if (v.empty() || v.size() % 4 != 0) {
        return Problem(Verdict::kTreatAsWithdraw, err::kOptionalAttributeError,
                       "COMMUNITIES with length " + std::to_string(v.size()));
      }
      for (size_t i = 0; i < v.size(); i += 4) p.communities.push_back(ReadU32At(v, i));
      return std::nullopt;
    case attr::kOriginatorId:
      if (v.size() != 4) return LengthProblem(Verdict::kTreatAsWithdraw, a, "ORIGINATOR_ID");
      p.originator_id = Ipv4At(v, 0);
      return std::nullopt;
    case attr::kClusterList:
      if (v.empty() || v.size() % 4 != 0) {
        return Problem(Verdict::kTreatAsWithdraw, err::kOptionalAttributeError,
                       "CLUSTER_LIST with length " + std::to_string(v.size()));
      }
      for (size_t i = 0; i < v.size(); i += 4) p.cluster_list.push_back(ReadU32At(v, i));
      return std::nullopt;
    case attr::kExtendedCommunities:
      if (v.empty() || v.size() % 8 != 0) {
        return Problem(Verdict::kTreatAsWithdraw, err::kOptionalAttributeError,
                       "EXTENDED_COMMUNITIES with length " + std::to_string(v.size()));
      }
      for (size_t i = 0; i < v.size(); i += 8) {
        p.extended_communities.push_back(static_cast<uint64_t>(ReadU32At(v, i)) << 32 |
                                         ReadU32At(v, i + 4));
      }
      return std::nullopt;
    case attr::kLargeCommunities:
      if (v.empty() || v.size() % 12 != 0) {
        return Problem(Verdict::kTreatAsWithdraw, err::kOptionalAttributeError,
                       "LARGE_COMMUNITY with length " + std::to_string(v.size()));
      }
      for (size_t i = 0; i < v.size(); i += 12) {
        p.large_communities.push_back(
            LargeCommunity{ReadU32At(v, i), ReadU32At(v, i + 4), ReadU32At(v, i + 8)});
      }
      return std::nullopt;
    case attr::kAs4Path: {
      auto path = DecodeAsPath(v, 4);
      if (!path) {
        return Problem(Verdict::kAttributeDiscard, err::kOptionalAttributeError,
                       "malformed AS4_PATH");
      }
      as4_path_ = WithoutConfedSegments(*path);  // RFC 6793 3: confed segments are discarded
      return std::nullopt;
    }
    case attr::kAs4Aggregator:
      if (v.size() != 8) return LengthProblem(Verdict::kAttributeDiscard, a, "AS4_AGGREGATOR");
      if (ReadU32At(v, 0) == 0) {  // RFC 7607
        return Problem(Verdict::kAttributeDiscard, err::kOptionalAttributeError,
                       "AS4_AGGREGATOR AS 0");
      }
      as4_aggregator_ = Aggregator{ReadU32At(v, 0), Ipv4At(v, 4)};
      return std::nullopt;
    case attr::kMpReachNlri:
      return DecodeMpReach(a);
    case attr::kMpUnreachNlri:
      return DecodeMpUnreach(a);
    default:
      return std::nullopt;
  }
}

std::optional<AttributeProblem> AttributeDecoder::DecodeMpReach(const WireAttribute& a) {
  // RFC 4760 7 / RFC 7606 7.11: an MP_REACH_NLRI we cannot parse resets the session.
  ByteReader r(a.value);
  MpReachNlri mp;
  uint8_t nh_length = 0;
  uint8_t reserved = 0;
  std::span<const uint8_t> nh;
  if (!r.ReadU16(mp.family.afi) || !r.ReadU8(mp.family.safi) || !r.ReadU8(nh_length) ||
      !r.ReadBytes(nh_length, nh) || !r.ReadU8(reserved)) {
    return Problem(Verdict::kSessionReset, err::kOptionalAttributeError, "truncated MP_REACH_NLRI");
  }
  const auto family = mp.family.UnicastFamily();
  if (!family) {
    return Problem(Verdict::kAttributeDiscard, err::kOptionalAttributeError,
                   "MP_REACH_NLRI for unsupported " + mp.family.ToString());
  }
  // IPv6 next hops: global, or global + link-local. IPv4 NLRI may have an IPv6 next hop
  // (RFC 8950).
  const bool v4_next_hop = *family == IpFamily::kIpv4 && nh_length == 4;
  if (!v4_next_hop && nh_length != 16 && nh_length != 32) {
    return Problem(Verdict::kSessionReset, err::kOptionalAttributeError,
                   "MP_REACH_NLRI next hop length " + std::to_string(nh_length));
  }
  mp.next_hop = *IpAddress::FromBytes(nh.first(nh_length == 32 ? 16 : nh_length));
  if (nh_length == 32) mp.link_local_next_hop = *IpAddress::FromBytes(nh.subspan(16));
  if (!DecodePrefixes(r.rest(), *family, mp.nlri)) {
    return Problem(Verdict::kSessionReset, err::kOptionalAttributeError,
                   "malformed NLRI in MP_REACH_NLRI");
  }
  update_.mp_reach = std::move(mp);
  return std::nullopt;
}

std::optional<AttributeProblem> AttributeDecoder::DecodeMpUnreach(const WireAttribute& a) {
  ByteReader r(a.value);
  MpUnreachNlri mp;
  if (!r.ReadU16(mp.family.afi) || !r.ReadU8(mp.family.safi)) {
    return Problem(Verdict::kSessionReset, err::kOptionalAttributeError,
                   "truncated MP_UNREACH_NLRI");
  }
  const auto family = mp.family.UnicastFamily();
  if (!family && r.empty()) {
    update_.mp_unreach = std::move(mp);  // End-of-RIB of a family we do not parse
    return std::nullopt;
  }
  if (!family) {
    return Problem(Verdict::kAttributeDiscard, err::kOptionalAttributeError,
                   "MP_UNREACH_NLRI for unsupported " + mp.family.ToString());
  }
  if (!DecodePrefixes(r.rest(), *family, mp.withdrawn)) {
    return Problem(Verdict::kSessionReset, err::kOptionalAttributeError,
                   "malformed withdrawn routes in MP_UNREACH_NLRI");
  }
  update_.mp_unreach = std::move(mp);
  return std::nullopt;
}

void AttributeDecoder::Finish() {
  if (options_.four_octet_as) return;
  PathAttributes& p = update_.attributes;
  // RFC 6793 4.2.3: an AGGREGATOR that is not AS_TRANS means the AS4_* attributes are stale.
  if (p.aggregator && p.aggregator->asn != kAsTrans && as4_aggregator_) return;
  if (p.aggregator && as4_aggregator_) p.aggregator = as4_aggregator_;
  if (p.as_path && as4_path_) p.as_path = MergeAs4Path(*p.as_path, *as4_path_);
}

}  // namespace kr::bgp::detail
