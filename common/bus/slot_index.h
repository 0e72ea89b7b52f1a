// An open-addressing index (linear probing, 8-byte slots, at most half full) from a key's
// 64-bit hash to the position of its entry in a dense array that the caller keeps. Both ends
// of the bus use one: the publisher over its stored objects, the subscriber over its view.
//
// A slot holds the position and the hash's high 32 bits (the tag), and the home slot is
// taken from the tag too. So growing the table and closing the gap left by an erase never
// read an entry: growth is one pass over the old slots, wherever the entries are. That matters
// because every subscriber of a bus grows its view at the same delta; a growth that touched
// every entry stalled all of them at once (test/bench/bus/README.md).
//
// Single-threaded. Keys are the caller's: Find asks it whether the entry at a position is the
// key sought, for each position whose tag matches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kr::bus {

class SlotIndex {
 public:
  static constexpr size_t kAbsent = SIZE_MAX;
  static constexpr uint32_t kNoPosition = UINT32_MAX;

  // The slot whose entry `is_key(position)` confirms, or kAbsent.
  template <typename IsKey>
  size_t Find(uint64_t hash, IsKey&& is_key) const {
    if (size_ == 0) return kAbsent;
    const uint32_t tag = Tag(hash);
    for (size_t i = Home(tag);; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.position_plus_one == 0) return kAbsent;
      if (slot.tag == tag && is_key(slot.position_plus_one - 1)) return i;
    }
  }
  uint32_t PositionAt(size_t slot) const { return slots_[slot].position_plus_one - 1; }

  // The key must not be indexed yet.
  void Insert(uint64_t hash, uint32_t position);
  // Removes a slot found by Find, for a caller that keeps its entries dense: the entry at
  // `last` (hash `last_hash`) is re-indexed at the erased position, and the caller moves it
  // there unless it was the erased one. Returns the erased position.
  uint32_t EraseMovingLast(size_t slot, uint32_t last, uint64_t last_hash);

  // Cache warming for a group of lookups: the home slot's line, then (once it is in cache)
  // the position of the first entry whose tag matches, for the caller to prefetch.
  void PrefetchHome(uint64_t hash) const;
  uint32_t FirstCandidate(uint64_t hash) const;

  void Reserve(size_t entries);
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint32_t position_plus_one = 0;  // 0: empty
    uint32_t tag = 0;
  };
  static uint32_t Tag(uint64_t hash) { return static_cast<uint32_t>(hash >> 32); }
  size_t Home(uint32_t tag) const { return tag & mask_; }
  void EraseAt(size_t slot);
  void Grow(size_t min_slots);
  void Place(Slot slot);

  std::vector<Slot> slots_;  // a power of two in size (at most 2^32), at most half full
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace kr::bus
