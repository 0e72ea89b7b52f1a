// AS_PATH and AS4_PATH (RFC 4271 4.3, RFC 5065 confederation segments, RFC 6793 4-octet ASNs).
//
// In memory every ASN is 4 octets; the 2-octet wire form exists only in DecodeAsPath /
// EncodeAsPath (as_size 2), where ASNs above 65535 become AS_TRANS. Decoding merges adjacent
// AS_SEQUENCE segments (the wire splits them at 255 ASNs), so one path has one representation.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace kr::bgp {

inline constexpr uint32_t kAsTrans = 23456;  // RFC 6793

enum class AsSegmentType : uint8_t {
  kSet = 1,
  kSequence = 2,
  kConfedSequence = 3,  // RFC 5065
  kConfedSet = 4,       // RFC 5065
};

struct AsPathSegment {
  AsSegmentType type = AsSegmentType::kSequence;
  std::vector<uint32_t> asns;
  bool operator==(const AsPathSegment&) const = default;
};

struct AsPath {
  std::vector<AsPathSegment> segments;

  // Path length for route selection: each AS in a sequence counts 1, a set counts 1,
  // confederation segments count 0 (RFC 4271 9.1.2.2, RFC 5065 5.3).
  size_t Length() const;
  bool Contains(uint32_t asn) const;
  // The leftmost AS of a leading AS_SEQUENCE: the neighbor AS an eBGP path must start with.
  std::optional<uint32_t> FirstAs() const;
  bool NeedsFourOctets() const;  // some ASN above 65535
  void Prepend(uint32_t asn, size_t count = 1);
  std::string ToString() const;  // "65001 65002 {65003,65004} (65010)"
  bool operator==(const AsPath&) const = default;
};

// Parses an AS_PATH/AS4_PATH value; as_size is 2 or 4. nullopt when malformed per RFC 7606
// 7.2 (unknown segment type, a zero-length segment, overrun, a lone trailing octet) or RFC
// 7607 (an AS number 0).
std::optional<AsPath> DecodeAsPath(std::span<const uint8_t> value, size_t as_size);
void EncodeAsPath(const AsPath& path, size_t as_size, std::vector<uint8_t>& out);

// RFC 6793 4.2.3: the path an OLD speaker's AS_PATH and AS4_PATH describe together. AS4_PATH
// confederation segments must already be removed (see WithoutConfedSegments).
AsPath MergeAs4Path(const AsPath& as_path, const AsPath& as4_path);
AsPath WithoutConfedSegments(const AsPath& path);

}  // namespace kr::bgp
