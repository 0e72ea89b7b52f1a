#include "common/bus/view_table.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <random>

namespace kr::bus {
namespace {

// Odd 64-bit constants with well-spread bits (digits of pi and e).
constexpr uint64_t kK0 = 0x243f6a8885a308d3ULL;
constexpr uint64_t kK1 = 0x13198a2e03707345ULL;
constexpr uint64_t kK2 = 0xb7e151628aed2a6bULL;

// 64x64 -> 128-bit multiply, folded: every input bit reaches most output bits.
inline uint64_t Fold(uint64_t a, uint64_t b) {
  const unsigned __int128 product = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(product) ^ static_cast<uint64_t>(product >> 64);
}

inline uint64_t Load64(const char* p) {
  uint64_t value;
  std::memcpy(&value, p, sizeof(value));
  return value;
}

// Up to 8 bytes, zero-padded.
inline uint64_t LoadPartial(const char* p, size_t n) {
  uint64_t value = 0;
  std::memcpy(&value, p, n);
  return value;
}

uint64_t ProcessSeed() {
  static const uint64_t seed = [] {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device() ^ kK2;
  }();
  return seed;
}

}  // namespace

uint64_t HashBytes(std::string_view bytes) {
  static const uint64_t seed = ProcessSeed();
  const char* p = bytes.data();
  size_t n = bytes.size();
  // The running state is added back after each fold, so a zero product cannot erase what
  // came before.
  uint64_t h = seed ^ Fold(n ^ kK0, kK1);
  if (n >= 32) {
    // Bodies: two chains over alternate 16-byte blocks, each as the loop below but with keys
    // of its own, so that their multiplies overlap instead of each waiting for the last. A
    // delivery hashes its whole body; for 200 bytes this takes a quarter less time.
    uint64_t g = h ^ kK2;
    for (; n >= 32; p += 32, n -= 32) {
      h += Fold(Load64(p) ^ kK0 ^ seed, Load64(p + 8) ^ kK1 ^ h);
      g += Fold(Load64(p + 16) ^ kK2 ^ seed, Load64(p + 24) ^ kK0 ^ g);
    }
    h += Fold(g ^ kK1, h ^ kK2);
  }
  for (; n >= 16; p += 16, n -= 16) {
    h += Fold(Load64(p) ^ kK0 ^ seed, Load64(p + 8) ^ kK1 ^ h);
  }
  uint64_t a = 0, b = 0;
  if (n > 8) {
    a = Load64(p);
    b = LoadPartial(p + 8, n - 8);
  } else {
    a = LoadPartial(p, n);
  }
  h += Fold(a ^ kK0 ^ seed, b ^ kK1 ^ h);
  return Fold(h ^ kK2, bytes.size() ^ kK0) + h;
}

ViewTable::Entry* ViewTable::Find(std::string_view key, uint64_t key_hash) {
  size_t slot = FindSlot(key, key_hash);
  return slot == slots_.size() ? nullptr : &entries_[slots_[slot].index_plus_one - 1];
}

size_t ViewTable::FindSlot(std::string_view key, uint64_t key_hash) const {
  if (entries_.empty()) return slots_.size();
  const uint32_t tag = Tag(key_hash);
  for (size_t i = Home(key_hash);; i = (i + 1) & mask_) {
    const Slot& slot = slots_[i];
    if (slot.index_plus_one == 0) return slots_.size();
    if (slot.tag != tag) continue;
    const Entry& entry = entries_[slot.index_plus_one - 1];
    if (entry.key_hash == key_hash && entry.key == key) return i;
  }
}

ViewTable::Entry& ViewTable::Insert(std::string_view key, uint64_t key_hash, ObjectDigest digest,
                                    uint64_t epoch) {
  if ((entries_.size() + 1) * 2 > slots_.size()) Grow((entries_.size() + 1) * 2);
  entries_.push_back(Entry{std::string(key), key_hash, digest, epoch});
  Place(static_cast<uint32_t>(entries_.size() - 1), key_hash);
  return entries_.back();
}

bool ViewTable::Erase(std::string_view key, uint64_t key_hash) {
  size_t hole = FindSlot(key, key_hash);
  if (hole == slots_.size()) return false;
  const uint32_t index = slots_[hole].index_plus_one - 1;
  // Backward shift: pull later members of the probe run into the hole when their home slot
  // allows it, so lookups never need tombstones.
  for (size_t j = (hole + 1) & mask_; slots_[j].index_plus_one != 0; j = (j + 1) & mask_) {
    const size_t home = Home(entries_[slots_[j].index_plus_one - 1].key_hash);
    if (((j - home) & mask_) >= ((j - hole) & mask_)) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole] = Slot{};
  // Keep the entries dense: the last one moves into the freed index.
  const uint32_t last = static_cast<uint32_t>(entries_.size() - 1);
  if (index != last) {
    size_t s = Home(entries_[last].key_hash);
    while (slots_[s].index_plus_one != last + 1) s = (s + 1) & mask_;
    slots_[s].index_plus_one = index + 1;
    entries_[index] = std::move(entries_[last]);
  }
  entries_.pop_back();
  return true;
}

void ViewTable::PrefetchSlot(uint64_t key_hash) const {
  if (!slots_.empty()) __builtin_prefetch(&slots_[Home(key_hash)]);
}

void ViewTable::PrefetchEntry(uint64_t key_hash) const {
  if (entries_.empty()) return;
  const uint32_t tag = Tag(key_hash);
  for (size_t i = Home(key_hash); slots_[i].index_plus_one != 0; i = (i + 1) & mask_) {
    if (slots_[i].tag == tag) {
      const Entry& entry = entries_[slots_[i].index_plus_one - 1];
      __builtin_prefetch(&entry);
      return;
    }
  }
}

void ViewTable::Reserve(size_t objects) {
  entries_.reserve(objects);
  if (objects * 2 > slots_.size()) Grow(objects * 2);
}

void ViewTable::Grow(size_t min_slots) {
  const size_t size = std::bit_ceil(std::max<size_t>(min_slots, 16));
  if (size <= slots_.size()) return;
  slots_.assign(size, Slot{});
  mask_ = size - 1;
  for (uint32_t i = 0; i < entries_.size(); ++i) Place(i, entries_[i].key_hash);
}

void ViewTable::Place(uint32_t index, uint64_t key_hash) {
  size_t i = Home(key_hash);
  while (slots_[i].index_plus_one != 0) i = (i + 1) & mask_;
  slots_[i] = Slot{index + 1, Tag(key_hash)};
}

}  // namespace kr::bus
