#include "common/bus/slot_index.h"

#include <algorithm>
#include <bit>
#include <utility>

namespace kr::bus {

void SlotIndex::Insert(uint64_t hash, uint32_t position) {
  if ((size_ + 1) * 2 > slots_.size()) Grow((size_ + 1) * 2);
  Place(Slot{position + 1, Tag(hash)});
  ++size_;
}

void SlotIndex::EraseAt(size_t hole) {
  // Backward shift: later members of the probe run move into the hole when their home slot
  // allows it, so lookups never need tombstones. Homes come from the tags alone.
  for (size_t j = (hole + 1) & mask_; slots_[j].position_plus_one != 0; j = (j + 1) & mask_) {
    const size_t home = Home(slots_[j].tag);
    if (((j - home) & mask_) >= ((j - hole) & mask_)) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole] = Slot{};
  --size_;
}

uint32_t SlotIndex::EraseMovingLast(size_t slot, uint32_t last, uint64_t last_hash) {
  const uint32_t position = PositionAt(slot);
  EraseAt(slot);
  if (position != last) {
    size_t i = Home(Tag(last_hash));
    while (slots_[i].position_plus_one != last + 1) i = (i + 1) & mask_;
    slots_[i].position_plus_one = position + 1;
  }
  return position;
}

void SlotIndex::PrefetchHome(uint64_t hash) const {
  if (!slots_.empty()) __builtin_prefetch(&slots_[Home(Tag(hash))]);
}

uint32_t SlotIndex::FirstCandidate(uint64_t hash) const {
  if (size_ == 0) return kNoPosition;
  const uint32_t tag = Tag(hash);
  for (size_t i = Home(tag); slots_[i].position_plus_one != 0; i = (i + 1) & mask_) {
    if (slots_[i].tag == tag) return slots_[i].position_plus_one - 1;
  }
  return kNoPosition;
}

void SlotIndex::Reserve(size_t entries) {
  if (entries * 2 > slots_.size()) Grow(entries * 2);
}

void SlotIndex::Grow(size_t min_slots) {
  const size_t size = std::bit_ceil(std::max<size_t>(min_slots, 16));
  if (size <= slots_.size()) return;
  std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(size));
  mask_ = size - 1;
  for (const Slot& slot : old) {
    if (slot.position_plus_one != 0) Place(slot);
  }
}

void SlotIndex::Place(Slot slot) {
  size_t i = Home(slot.tag);
  while (slots_[i].position_plus_one != 0) i = (i + 1) & mask_;
  slots_[i] = slot;
}

}  // namespace kr::bus
