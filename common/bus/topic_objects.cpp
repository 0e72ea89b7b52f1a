#include "common/bus/topic_objects.h"

#include "common/bus/hash_bytes.h"

namespace kr::bus {

size_t TopicObjects::FindSlot(std::string_view key, uint64_t hash) const {
  return index_.Find(hash, [&](uint32_t position) { return objects_[position]->key() == key; });
}

TopicObjects::Object* TopicObjects::Find(std::string_view key) {
  const size_t slot = FindSlot(key, HashBytes(key));
  return slot == SlotIndex::kAbsent ? nullptr : &objects_[index_.PositionAt(slot)];
}

void TopicObjects::Insert(Object object) {
  const uint64_t hash = HashBytes(object->key());
  objects_.push_back(std::move(object));
  index_.Insert(hash, static_cast<uint32_t>(objects_.size() - 1));
}

bool TopicObjects::Erase(std::string_view key) {
  const size_t slot = FindSlot(key, HashBytes(key));
  if (slot == SlotIndex::kAbsent) return false;
  const uint32_t last = static_cast<uint32_t>(objects_.size() - 1);
  const uint32_t position = index_.EraseMovingLast(slot, last, HashBytes(objects_[last]->key()));
  if (position != last) objects_[position] = std::move(objects_[last]);
  objects_.pop_back();
  return true;
}

}  // namespace kr::bus
