#include "common/bus/view_table.h"

namespace kr::bus {

ViewTable::Entry* ViewTable::Find(std::string_view key, uint64_t key_hash) {
  const size_t slot = FindSlot(key, key_hash);
  return slot == SlotIndex::kAbsent ? nullptr : &entries_[index_.PositionAt(slot)];
}

size_t ViewTable::FindSlot(std::string_view key, uint64_t key_hash) const {
  return index_.Find(key_hash, [&](uint32_t position) {
    const Entry& entry = entries_[position];
    return entry.key_hash == key_hash && entry.key == key;
  });
}

ViewTable::Entry& ViewTable::Insert(std::string_view key, uint64_t key_hash, ObjectDigest digest,
                                    uint64_t epoch) {
  entries_.push_back(Entry{std::string(key), key_hash, digest, epoch});
  index_.Insert(key_hash, static_cast<uint32_t>(entries_.size() - 1));
  return entries_.back();
}

bool ViewTable::Erase(std::string_view key, uint64_t key_hash) {
  const size_t slot = FindSlot(key, key_hash);
  if (slot == SlotIndex::kAbsent) return false;
  const uint32_t last = static_cast<uint32_t>(entries_.size() - 1);
  const uint32_t position = index_.EraseMovingLast(slot, last, entries_[last].key_hash);
  if (position != last) entries_[position] = std::move(entries_[last]);
  entries_.pop_back();
  return true;
}

void ViewTable::PrefetchSlot(uint64_t key_hash) const {
  index_.PrefetchHome(key_hash);
}

void ViewTable::PrefetchEntry(uint64_t key_hash) const {
  const uint32_t position = index_.FirstCandidate(key_hash);
  if (position != SlotIndex::kNoPosition) __builtin_prefetch(&entries_[position]);
}

}  // namespace kr::bus
