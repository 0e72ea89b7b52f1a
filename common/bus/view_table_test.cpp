// ViewTable against std::unordered_map under random inserts, updates and erases (long probe
// runs included), and the digest's sensitivity to every byte.
#include "common/bus/view_table.h"

#include <catch2/catch.hpp>
#include <random>
#include <unordered_map>

namespace kr::bus {
namespace {

void CheckSame(ViewTable& table, const std::unordered_map<std::string, uint64_t>& reference) {
  REQUIRE(table.size() == reference.size());
  for (const auto& [key, epoch] : reference) {
    ViewTable::Entry* entry = table.Find(key, HashBytes(key));
    REQUIRE(entry != nullptr);
    CHECK(entry->key == key);
    CHECK(entry->epoch == epoch);
  }
  for (const ViewTable::Entry& entry : table.entries()) {
    CHECK(reference.contains(entry.key));
    CHECK(entry.key_hash == HashBytes(entry.key));
  }
}

TEST_CASE("bus view table: random operations match a std::unordered_map", "[bus]") {
  std::mt19937 random(42);
  ViewTable table;
  std::unordered_map<std::string, uint64_t> reference;
  // Few distinct keys and many operations: the same keys come and go, so erasures happen in
  // the middle of probe runs and entries move to keep the array dense.
  for (uint64_t step = 1; step <= 20000; ++step) {
    const std::string key = "ns-" + std::to_string(random() % 7) + "/a-rather-long-pod-name-" +
                            std::to_string(random() % 700);
    const uint64_t key_hash = HashBytes(key);
    if (random() % 3 == 0) {
      CHECK(table.Erase(key, key_hash) == (reference.erase(key) == 1));
    } else if (ViewTable::Entry* entry = table.Find(key, key_hash)) {
      REQUIRE(reference.contains(key));
      entry->epoch = step;
      reference[key] = step;
    } else {
      REQUIRE_FALSE(reference.contains(key));
      table.Insert(key, key_hash, DigestOf({1, 0}, key), step);
      reference[key] = step;
    }
    if (step % 1000 == 0) CheckSame(table, reference);
  }
  CheckSame(table, reference);
  for (const auto& [key, epoch] : reference) REQUIRE(table.Erase(key, HashBytes(key)));
  CHECK(table.empty());
  CHECK(table.Find("ns-1/a-rather-long-pod-name-1", HashBytes("ns-1/a-rather-long-pod-name-1")) ==
        nullptr);
}

TEST_CASE("bus view table: keys that share a hash stay apart", "[bus]") {
  // A caller-supplied hash makes every key collide: lookups must still compare keys.
  ViewTable table;
  for (int i = 0; i < 50; ++i) {
    table.Insert("k" + std::to_string(i), 7, DigestOf({1, 0}, std::to_string(i)), i);
  }
  for (int i = 0; i < 50; i += 2) REQUIRE(table.Erase("k" + std::to_string(i), 7));
  for (int i = 0; i < 50; ++i) {
    ViewTable::Entry* entry = table.Find("k" + std::to_string(i), 7);
    if (i % 2 == 0) {
      CHECK(entry == nullptr);
    } else {
      REQUIRE(entry != nullptr);
      CHECK(entry->epoch == static_cast<uint64_t>(i));
    }
  }
  CHECK(table.size() == 25);
}

TEST_CASE("bus view table: a big table grows, finds, erases and moves", "[bus]") {
  ViewTable table;
  constexpr int kKeys = 100000;  // many growths, long probe runs somewhere
  for (int i = 0; i < kKeys; ++i) {
    const std::string key = "ns/pod-" + std::to_string(i);
    table.Insert(key, HashBytes(key), DigestOf({1, 0}, key), static_cast<uint64_t>(i));
  }
  for (int i = 0; i < kKeys; i += 2) {
    const std::string key = "ns/pod-" + std::to_string(i);
    REQUIRE(table.Erase(key, HashBytes(key)));
  }
  CHECK(table.size() == kKeys / 2);
  int found = 0;
  for (int i = 0; i < kKeys; ++i) {
    const std::string key = "ns/pod-" + std::to_string(i);
    const ViewTable::Entry* entry = table.Find(key, HashBytes(key));
    if (entry != nullptr && entry->epoch == static_cast<uint64_t>(i)) ++found;
    if (i % 2 == 0) CHECK(entry == nullptr);
  }
  CHECK(found == kKeys / 2);
  ViewTable moved = std::move(table);
  const std::string last = "ns/pod-" + std::to_string(kKeys - 1);
  CHECK(moved.Find(last, HashBytes(last)) != nullptr);
}

TEST_CASE("bus view table: the digest changes with any byte, size or schema", "[bus]") {
  std::string body(300, 'x');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 7);
  const ObjectDigest original = DigestOf({1, 0}, body);
  CHECK(DigestOf({1, 0}, body) == original);
  for (size_t i = 0; i < body.size(); ++i) {
    std::string changed = body;
    changed[i] = static_cast<char>(changed[i] ^ 1);
    INFO("byte " << i);
    CHECK(DigestOf({1, 0}, changed).hash != original.hash);
  }
  for (size_t length = 0; length < 40; ++length) {
    INFO("length " << length);
    CHECK(HashBytes(std::string_view(body).substr(0, length)) !=
          HashBytes(std::string_view(body).substr(0, length + 1)));
    // Zero bytes at the end must not vanish into the padding of the last block.
    CHECK(HashBytes(std::string(length, '\0')) != HashBytes(std::string(length + 1, '\0')));
  }
  CHECK_FALSE(DigestOf({1, 1}, body) == original);
  CHECK_FALSE(DigestOf({1, 0}, std::string_view(body).substr(1)) == original);
}

}  // namespace
}  // namespace kr::bus
