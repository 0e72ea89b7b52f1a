// A subscriber's view of one topic (proto/SPEC.md section 8): key -> what the object was when
// last seen, reduced to a digest (schema, size, 64-bit hash of the CBOR body), plus the epoch
// that last confirmed it. The digest is all a re-snapshot needs to report only real
// differences; keeping it instead of the body makes each delivery a hash instead of an
// allocation and copy, and the view of 150,000 pods a few MB instead of tens.
//
// Open addressing (linear probing, 8-byte slots) over a dense entry array: a lookup touches
// one slot line and one entry, and a batch of lookups can be prefetched (Prefetch*) before
// it is processed. Single-threaded; entry pointers and references are invalidated by
// Insert and Erase.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/model/schema_version.h"

namespace kr::bus {

// Seeded 64-bit hash of bytes (random seed per process). Not cryptographic: two different
// bodies compare equal with a probability of about 2^-64, which someone who cannot read the
// process's memory cannot steer.
uint64_t HashBytes(std::string_view bytes);

struct ObjectDigest {
  uint64_t hash = 0;
  uint32_t size = 0;
  model::SchemaVersion schema;
  bool operator==(const ObjectDigest&) const = default;
};

inline ObjectDigest DigestOf(model::SchemaVersion schema, std::string_view body) {
  return ObjectDigest{HashBytes(body), static_cast<uint32_t>(body.size()), schema};
}

class ViewTable {
 public:
  struct Entry {
    std::string key;
    uint64_t key_hash = 0;
    ObjectDigest digest;
    uint64_t epoch = 0;  // the epoch that last confirmed the object
  };

  // `key_hash` is HashBytes(key) throughout, computed once by the caller per message.
  Entry* Find(std::string_view key, uint64_t key_hash);
  // The key must not be present.
  Entry& Insert(std::string_view key, uint64_t key_hash, ObjectDigest digest, uint64_t epoch);
  bool Erase(std::string_view key, uint64_t key_hash);

  // Cache warming for a batch: the slot line first, then (once it is in cache) the entry.
  void PrefetchSlot(uint64_t key_hash) const;
  void PrefetchEntry(uint64_t key_hash) const;

  void Reserve(size_t objects);
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // Every entry, in no particular order.
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  // index + 1 of the entry (0: empty) and the hash's high bits, to skip most foreign entries
  // without touching them.
  struct Slot {
    uint32_t index_plus_one = 0;
    uint32_t tag = 0;
  };
  static uint32_t Tag(uint64_t key_hash) { return static_cast<uint32_t>(key_hash >> 32); }
  size_t Home(uint64_t key_hash) const { return static_cast<size_t>(key_hash) & mask_; }
  size_t FindSlot(std::string_view key, uint64_t key_hash) const;  // slots_.size(): absent
  void Grow(size_t min_slots);
  void Place(uint32_t index, uint64_t key_hash);

  std::vector<Slot> slots_;  // a power of two, at most half full
  size_t mask_ = 0;
  std::vector<Entry> entries_;
};

}  // namespace kr::bus
