// SlotIndex over a dense key array, against std::unordered_map: random inserts and erases
// through several growths (erases move the last key into the hole, as its users do), hashes
// that collide entirely or share their tags, and the prefetch helpers.
#include "common/bus/slot_index.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/bus/hash_bytes.h"

namespace kr::bus {
namespace {

// What ViewTable and TopicObjects do with a SlotIndex, reduced to strings.
struct DenseKeys {
  SlotIndex index;
  std::vector<std::string> keys;
  uint64_t (*hash)(std::string_view) = HashBytes;

  size_t FindSlot(const std::string& key) const {
    return index.Find(hash(key), [&](uint32_t position) { return keys[position] == key; });
  }
  bool Contains(const std::string& key) const { return FindSlot(key) != SlotIndex::kAbsent; }
  void Insert(const std::string& key) {
    keys.push_back(key);
    index.Insert(hash(key), static_cast<uint32_t>(keys.size() - 1));
  }
  bool Erase(const std::string& key) {
    const size_t slot = FindSlot(key);
    if (slot == SlotIndex::kAbsent) return false;
    const uint32_t last = static_cast<uint32_t>(keys.size() - 1);
    const uint32_t position = index.EraseMovingLast(slot, last, hash(keys[last]));
    if (position != last) keys[position] = keys[last];
    keys.pop_back();
    return true;
  }
  void CheckEveryKeyFoundAtItsPosition() const {
    REQUIRE(index.size() == keys.size());
    for (uint32_t position = 0; position < keys.size(); ++position) {
      const size_t slot = FindSlot(keys[position]);
      REQUIRE(slot != SlotIndex::kAbsent);
      CHECK(index.PositionAt(slot) == position);
    }
  }
};

void RandomOperations(DenseKeys& dense, int key_space, int steps) {
  std::mt19937 random(7);
  std::unordered_map<std::string, int> reference;
  for (int step = 1; step <= steps; ++step) {
    const std::string key = "ns-" + std::to_string(random() % 5) + "/pod-" +
                            std::to_string(random() % static_cast<unsigned>(key_space));
    if (random() % 3 == 0) {
      CHECK(dense.Erase(key) == (reference.erase(key) == 1));
    } else if (!dense.Contains(key)) {
      REQUIRE_FALSE(reference.contains(key));
      dense.Insert(key);
      reference[key] = step;
    } else {
      REQUIRE(reference.contains(key));
    }
    if (step % 997 == 0) dense.CheckEveryKeyFoundAtItsPosition();
  }
  dense.CheckEveryKeyFoundAtItsPosition();
  for (const auto& [key, step] : reference) REQUIRE(dense.Erase(key));
  CHECK(dense.index.size() == 0);
  CHECK_FALSE(dense.Contains("ns-1/pod-1"));
}

TEST_CASE("bus slot index: random inserts and erases match a std::unordered_map", "[bus]") {
  DenseKeys dense;
  RandomOperations(dense, 3000, 60000);
}

TEST_CASE("bus slot index: growth from empty keeps every key at its position", "[bus]") {
  DenseKeys dense;
  for (int i = 0; i < 100000; ++i) {
    dense.Insert("key-" + std::to_string(i));
    if ((i & (i + 1)) == 0) dense.CheckEveryKeyFoundAtItsPosition();  // around each growth
  }
  dense.CheckEveryKeyFoundAtItsPosition();
  CHECK_FALSE(dense.Contains("key-100000"));
}

TEST_CASE("bus slot index: keys whose hashes collide stay apart", "[bus]") {
  DenseKeys dense;
  SECTION("the whole hash") {
    dense.hash = [](std::string_view) -> uint64_t { return 7; };
  }
  SECTION("the tag only (homes and tags are one)") {
    // Only the low 32 bits differ: every key has the same tag, so the same home, and only
    // the caller's key comparison tells them apart.
    dense.hash = [](std::string_view key) -> uint64_t { return (uint64_t{5} << 32) | key.size(); };
  }
  RandomOperations(dense, 60, 3000);
}

TEST_CASE("bus slot index: the first candidate is the key's entry when tags differ", "[bus]") {
  DenseKeys dense;
  CHECK(dense.index.FirstCandidate(HashBytes("absent")) == SlotIndex::kNoPosition);
  for (int i = 0; i < 1000; ++i) dense.Insert("key-" + std::to_string(i));
  for (uint32_t position = 0; position < dense.keys.size(); ++position) {
    dense.index.PrefetchHome(HashBytes(dense.keys[position]));  // a hint only: must not fault
    CHECK(dense.index.FirstCandidate(HashBytes(dense.keys[position])) == position);
  }
}

TEST_CASE("bus slot index: reserve grows once, and lookups still work", "[bus]") {
  DenseKeys dense;
  dense.index.Reserve(5000);
  for (int i = 0; i < 5000; ++i) dense.Insert(std::to_string(i));
  dense.CheckEveryKeyFoundAtItsPosition();
}

}  // namespace
}  // namespace kr::bus
