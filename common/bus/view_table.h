// A subscriber's view of one topic (proto/SPEC.md section 8): key -> what the object was when
// last seen, reduced to a digest (schema, size, 64-bit hash of the CBOR body), plus the epoch
// that last confirmed it. The digest is all a re-snapshot needs to report only real
// differences; keeping it instead of the body makes each delivery a hash instead of an
// allocation and copy, and the view of 150,000 pods a few MB instead of tens.
//
// A SlotIndex over entries in a std::deque: a lookup touches one slot line and one entry, a
// batch of lookups can be prefetched (Prefetch*) before it is processed, and neither growth
// moves or reads an entry (the deque never relocates them; the index grows from its slots
// alone). Single-threaded; an entry reference stays valid until that entry is erased, but
// Erase moves the last entry into the hole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "common/bus/hash_bytes.h"
#include "common/bus/slot_index.h"
#include "common/model/schema_version.h"

namespace kr::bus {

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

  void Reserve(size_t objects) { index_.Reserve(objects); }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // Every entry, in no particular order.
  const std::deque<Entry>& entries() const { return entries_; }

 private:
  size_t FindSlot(std::string_view key, uint64_t key_hash) const;  // SlotIndex::kAbsent: absent

  SlotIndex index_;
  std::deque<Entry> entries_;
};

}  // namespace kr::bus
