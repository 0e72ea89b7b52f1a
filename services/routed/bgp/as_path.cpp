#include "services/routed/bgp/as_path.h"

#include <algorithm>

#include "services/routed/bgp/byte_io.h"

namespace kr::bgp {

namespace {

bool IsConfed(AsSegmentType type) {
  return type == AsSegmentType::kConfedSequence || type == AsSegmentType::kConfedSet;
}

bool IsSequence(AsSegmentType type) {
  return type == AsSegmentType::kSequence || type == AsSegmentType::kConfedSequence;
}

// Appends a segment, merging it into the previous one when both are sequences of one kind.
void AppendSegment(AsPath& path, AsPathSegment segment) {
  if (segment.asns.empty()) return;
  if (!path.segments.empty() && IsSequence(segment.type) &&
      path.segments.back().type == segment.type) {
    auto& asns = path.segments.back().asns;
    asns.insert(asns.end(), segment.asns.begin(), segment.asns.end());
    return;
  }
  path.segments.push_back(std::move(segment));
}

}  // namespace

size_t AsPath::Length() const {
  size_t length = 0;
  for (const AsPathSegment& s : segments) {
    if (s.type == AsSegmentType::kSequence) length += s.asns.size();
    if (s.type == AsSegmentType::kSet) length += 1;
  }
  return length;
}

bool AsPath::Contains(uint32_t asn) const {
  return std::any_of(segments.begin(), segments.end(), [asn](const AsPathSegment& s) {
    return std::find(s.asns.begin(), s.asns.end(), asn) != s.asns.end();
  });
}

std::optional<uint32_t> AsPath::FirstAs() const {
  if (segments.empty() || segments.front().type != AsSegmentType::kSequence) return std::nullopt;
  return segments.front().asns.front();
}

bool AsPath::NeedsFourOctets() const {
  return std::any_of(segments.begin(), segments.end(), [](const AsPathSegment& s) {
    return std::any_of(s.asns.begin(), s.asns.end(), [](uint32_t a) { return a > 0xffff; });
  });
}

void AsPath::Prepend(uint32_t asn, size_t count) {
  if (count == 0) return;
  if (segments.empty() || segments.front().type != AsSegmentType::kSequence) {
    segments.insert(segments.begin(), AsPathSegment{AsSegmentType::kSequence, {}});
  }
  auto& asns = segments.front().asns;
  asns.insert(asns.begin(), count, asn);
}

std::string AsPath::ToString() const {
  std::string text;
  for (const AsPathSegment& s : segments) {
    if (!text.empty()) text += ' ';
    const bool set = s.type == AsSegmentType::kSet || s.type == AsSegmentType::kConfedSet;
    const char* open = s.type == AsSegmentType::kSet              ? "{"
                       : s.type == AsSegmentType::kConfedSet      ? "["
                       : s.type == AsSegmentType::kConfedSequence ? "("
                                                                  : "";
    text += open;
    for (size_t i = 0; i < s.asns.size(); ++i) {
      if (i > 0) text += set ? "," : " ";
      text += std::to_string(s.asns[i]);
    }
    text += s.type == AsSegmentType::kSet              ? "}"
            : s.type == AsSegmentType::kConfedSet      ? "]"
            : s.type == AsSegmentType::kConfedSequence ? ")"
                                                       : "";
  }
  return text;
}

std::optional<AsPath> DecodeAsPath(std::span<const uint8_t> value, size_t as_size) {
  AsPath path;
  ByteReader r(value);
  while (!r.empty()) {
    uint8_t type = 0;
    uint8_t count = 0;
    if (!r.ReadU8(type) || !r.ReadU8(count)) return std::nullopt;
    if (type < 1 || type > 4 || count == 0 || r.remaining() < count * as_size) {
      return std::nullopt;
    }
    AsPathSegment segment{static_cast<AsSegmentType>(type), {}};
    segment.asns.reserve(count);
    for (uint8_t i = 0; i < count; ++i) {
      uint32_t asn = 0;
      uint16_t asn16 = 0;
      const bool ok = as_size == 4 ? r.ReadU32(asn) : r.ReadU16(asn16);
      if (!ok || (asn | asn16) == 0) return std::nullopt;  // RFC 7607: AS 0 is malformed
      segment.asns.push_back(as_size == 4 ? asn : asn16);
    }
    AppendSegment(path, std::move(segment));
  }
  return path;
}

void EncodeAsPath(const AsPath& path, size_t as_size, std::vector<uint8_t>& out) {
  ByteWriter w(out);
  for (const AsPathSegment& s : path.segments) {
    // A set cannot be split without changing its meaning; longer sets are cut at 255.
    const size_t chunk = 255;
    for (size_t start = 0; start < s.asns.size(); start += chunk) {
      const size_t n = std::min(chunk, s.asns.size() - start);
      w.U8(static_cast<uint8_t>(s.type));
      w.U8(static_cast<uint8_t>(n));
      for (size_t i = start; i < start + n; ++i) {
        const uint32_t asn = s.asns[i];
        if (as_size == 4) {
          w.U32(asn);
        } else {
          w.U16(static_cast<uint16_t>(asn > 0xffff ? kAsTrans : asn));
        }
      }
      if (!IsSequence(s.type)) break;
    }
  }
}

AsPath WithoutConfedSegments(const AsPath& path) {
  AsPath out;
  for (const AsPathSegment& s : path.segments) {
    if (!IsConfed(s.type)) AppendSegment(out, s);
  }
  return out;
}

AsPath MergeAs4Path(const AsPath& as_path, const AsPath& as4_path) {
  const size_t as_count = as_path.Length();
  const size_t as4_count = as4_path.Length();
  if (as_count < as4_count) return as_path;
  size_t needed = as_count - as4_count;
  AsPath merged;
  for (const AsPathSegment& s : as_path.segments) {
    if (needed == 0 && !IsConfed(s.type)) break;
    if (IsConfed(s.type)) {
      AppendSegment(merged, s);
    } else if (s.type == AsSegmentType::kSet) {
      AppendSegment(merged, s);
      needed -= 1;
    } else {
      const size_t take = std::min(needed, s.asns.size());
      AppendSegment(merged, AsPathSegment{s.type, {s.asns.begin(), s.asns.begin() + take}});
      needed -= take;
    }
  }
  for (const AsPathSegment& s : as4_path.segments) AppendSegment(merged, s);
  return merged;
}

}  // namespace kr::bgp
