// StoredObject keeps key, schema and body intact in its single block, for every length
// (the block is rounded up to whole words) and while shared past the map's copy.
#include "common/bus/stored_object.h"

#include <catch2/catch.hpp>

namespace kr::bus {
namespace {

TEST_CASE("bus stored object: key, schema and body round-trip at every length", "[bus]") {
  for (size_t key_size : {0, 1, 7, 8, 9, 28}) {
    for (size_t body_size : {0, 1, 15, 16, 17, 330}) {
      std::string key(key_size, 'k'), body(body_size, '\0');
      for (size_t i = 0; i < body_size; ++i) body[i] = static_cast<char>(i * 13 + 1);
      if (key_size > 0) key.back() = 'z';
      auto object = StoredObject::Make(key, {2, 5}, body);
      INFO("key " << key_size << " body " << body_size);
      CHECK(object->key() == key);
      CHECK(object->body() == body);
      CHECK(object->schema() == model::SchemaVersion{2, 5});
      CHECK(reinterpret_cast<uintptr_t>(object.get()) % alignof(StoredObject) == 0);
    }
  }
}

TEST_CASE("bus stored object: a shared copy outlives the original pointer", "[bus]") {
  auto original = StoredObject::Make("ns/name", {1, 0}, "body");
  std::shared_ptr<const StoredObject> copy = original;
  original.reset();
  CHECK(copy.use_count() == 1);
  CHECK(copy->key() == "ns/name");
  CHECK(copy->body() == "body");
}

}  // namespace
}  // namespace kr::bus
