// The path attributes of an UPDATE (RFC 4271 5, RFC 1997, RFC 4360, RFC 4456, RFC 8092), as
// one value a RIB can store and compare.
//
// AS numbers are always 4 octets here: on a session without the 4-octet AS capability the
// decoder merges AS4_PATH/AS4_AGGREGATOR into as_path/aggregator (RFC 6793) and the encoder
// splits them again. Unrecognized optional transitive attributes are kept raw, with the
// Partial bit already set, ready to be forwarded; unrecognized non-transitive ones are dropped.
// MP_REACH_NLRI / MP_UNREACH_NLRI live in UpdateMessage, not here.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "services/routed/bgp/as_path.h"
#include "services/routed/bgp/ip_address.h"

namespace kr::bgp {

namespace attr {
inline constexpr uint8_t kOrigin = 1;
inline constexpr uint8_t kAsPath = 2;
inline constexpr uint8_t kNextHop = 3;
inline constexpr uint8_t kMultiExitDisc = 4;
inline constexpr uint8_t kLocalPref = 5;
inline constexpr uint8_t kAtomicAggregate = 6;
inline constexpr uint8_t kAggregator = 7;
inline constexpr uint8_t kCommunities = 8;
inline constexpr uint8_t kOriginatorId = 9;
inline constexpr uint8_t kClusterList = 10;
inline constexpr uint8_t kMpReachNlri = 14;
inline constexpr uint8_t kMpUnreachNlri = 15;
inline constexpr uint8_t kExtendedCommunities = 16;
inline constexpr uint8_t kAs4Path = 17;
inline constexpr uint8_t kAs4Aggregator = 18;
inline constexpr uint8_t kLargeCommunities = 32;

inline constexpr uint8_t kFlagOptional = 0x80;
inline constexpr uint8_t kFlagTransitive = 0x40;
inline constexpr uint8_t kFlagPartial = 0x20;
inline constexpr uint8_t kFlagExtendedLength = 0x10;
}  // namespace attr

namespace community {
inline constexpr uint32_t kGracefulShutdown = 0xFFFF0000;  // RFC 8326
inline constexpr uint32_t kBlackhole = 0xFFFF029A;         // RFC 7999
inline constexpr uint32_t kNoExport = 0xFFFFFF01;
inline constexpr uint32_t kNoAdvertise = 0xFFFFFF02;
inline constexpr uint32_t kNoExportSubconfed = 0xFFFFFF03;
inline constexpr uint32_t kNoPeer = 0xFFFFFF04;  // RFC 3765
}  // namespace community

// "no-export", "no-advertise", ... for well-known values, else "65000:100".
std::string CommunityToString(uint32_t community);

enum class Origin : uint8_t { kIgp = 0, kEgp = 1, kIncomplete = 2 };
std::string_view OriginName(Origin origin);

struct Aggregator {
  uint32_t asn = 0;
  IpAddress address;  // IPv4
  bool operator==(const Aggregator&) const = default;
};

struct LargeCommunity {
  uint32_t global_admin = 0;
  uint32_t local_data1 = 0;
  uint32_t local_data2 = 0;
  auto operator<=>(const LargeCommunity&) const = default;
};

struct RawAttribute {
  uint8_t flags = 0;  // without the Extended Length bit: the encoder picks the length form
  uint8_t type = 0;
  std::vector<uint8_t> value;
  bool operator==(const RawAttribute&) const = default;
};

struct PathAttributes {
  std::optional<Origin> origin;
  std::optional<AsPath> as_path;
  std::optional<IpAddress> next_hop;  // NEXT_HOP attribute (IPv4); MP next hops are in MP_REACH
  std::optional<uint32_t> med;
  std::optional<uint32_t> local_pref;
  bool atomic_aggregate = false;
  std::optional<Aggregator> aggregator;
  std::vector<uint32_t> communities;
  std::optional<IpAddress> originator_id;      // RFC 4456, IPv4-formatted router id
  std::vector<uint32_t> cluster_list;          // RFC 4456, first = most recent reflector
  std::vector<uint64_t> extended_communities;  // RFC 4360, 8 octets each, kept opaque
  std::vector<LargeCommunity> large_communities;
  std::vector<RawAttribute> unknown_transitive;  // ordered by type code, one per type

  bool operator==(const PathAttributes&) const = default;
};

}  // namespace kr::bgp
