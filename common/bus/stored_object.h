// An object as the publisher stores it: key, schema version and CBOR body in one immutable
// heap block (with the shared_ptr's count), shared by the state map and by snapshot replies
// being sent. One allocation per object instead of four (control block and entry, key, body,
// map key), which is most of the publisher's memory per pod.
#pragma once

#include <cstdint>
#include <memory>
#include <new>
#include <string_view>
#include <type_traits>

#include "common/model/schema_version.h"

namespace kr::bus {

class StoredObject {
 public:
  static std::shared_ptr<const StoredObject> Make(std::string_view key, model::SchemaVersion schema,
                                                  std::string_view body);

  std::string_view key() const { return {Data(), key_size_}; }
  std::string_view body() const { return {Data() + key_size_, body_size_}; }
  model::SchemaVersion schema() const { return schema_; }

 private:
  StoredObject(model::SchemaVersion schema, uint32_t key_size, uint32_t body_size)
      : schema_(schema), key_size_(key_size), body_size_(body_size) {}
  // The key's and the body's bytes follow the object in the same block.
  const char* Data() const { return reinterpret_cast<const char*>(this + 1); }

  model::SchemaVersion schema_;
  uint32_t key_size_;
  uint32_t body_size_;
};

inline std::shared_ptr<const StoredObject> StoredObject::Make(std::string_view key,
                                                              model::SchemaVersion schema,
                                                              std::string_view body) {
  static_assert(std::is_trivially_destructible_v<StoredObject>);
  const size_t bytes = sizeof(StoredObject) + key.size() + body.size();
  // Words, for the alignment of the header; the count and the words share one allocation.
  auto block = std::make_shared_for_overwrite<uint64_t[]>((bytes + 7) / 8);
  auto* object = new (block.get())
      StoredObject(schema, static_cast<uint32_t>(key.size()), static_cast<uint32_t>(body.size()));
  char* data = reinterpret_cast<char*>(object + 1);
  key.copy(data, key.size());
  body.copy(data + key.size(), body.size());
  return std::shared_ptr<const StoredObject>(std::move(block), object);  // aliasing: no allocation
}

}  // namespace kr::bus
