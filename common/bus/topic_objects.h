// The publisher's objects of one topic: key -> the stored object (stored_object.h), whose own
// bytes hold the key. A SlotIndex over the objects in a std::deque: a lookup reads one slot
// line and then the object, which an upsert reads anyway to compare bodies; growing never
// moves or reads an object, so the publisher, which holds its lock while it upserts, never
// stalls its deltas to rehash (test/bench/bus/README.md). Not thread-safe: the publisher's
// mutex guards it.
#pragma once

#include <deque>
#include <memory>
#include <string_view>

#include "common/bus/slot_index.h"
#include "common/bus/stored_object.h"

namespace kr::bus {

class TopicObjects {
 public:
  using Object = std::shared_ptr<const StoredObject>;

  // The stored object of `key`, or nullptr. It may be replaced through the pointer by an
  // object with the same key.
  Object* Find(std::string_view key);
  // Stores an object whose key is not stored yet.
  void Insert(Object object);
  // False if the key is not stored.
  bool Erase(std::string_view key);

  void Reserve(size_t objects) { index_.Reserve(objects); }
  size_t size() const { return objects_.size(); }
  // Every object, in no particular order.
  const std::deque<Object>& objects() const { return objects_; }

 private:
  size_t FindSlot(std::string_view key, uint64_t hash) const;

  SlotIndex index_;
  std::deque<Object> objects_;
};

}  // namespace kr::bus
