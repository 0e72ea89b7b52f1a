// The publisher's per-topic objects against std::map: inserts, replacements through Find and
// erases, and the dense list that snapshots are copied from.
#include "common/bus/topic_objects.h"

#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <string>

namespace kr::bus {
namespace {

void CheckSame(TopicObjects& objects, const std::map<std::string, std::string>& reference) {
  REQUIRE(objects.size() == reference.size());
  for (const auto& [key, body] : reference) {
    TopicObjects::Object* stored = objects.Find(key);
    REQUIRE(stored != nullptr);
    CHECK((*stored)->key() == key);
    CHECK((*stored)->body() == body);
  }
  std::map<std::string, std::string> listed;
  for (const auto& object : objects.objects()) {
    listed.emplace(std::string(object->key()), std::string(object->body()));
  }
  CHECK(listed == reference);
}

TEST_CASE("bus topic objects: random upserts and deletes match a std::map", "[bus]") {
  std::mt19937 random(11);
  TopicObjects objects;
  std::map<std::string, std::string> reference;
  for (int step = 1; step <= 30000; ++step) {
    const std::string key =
        "ns-" + std::to_string(random() % 3) + "/pod-" + std::to_string(random() % 2000);
    const std::string body = "body-" + std::to_string(step);
    if (random() % 4 == 0) {
      CHECK(objects.Erase(key) == (reference.erase(key) == 1));
      continue;
    }
    auto stored = StoredObject::Make(key, {1, 0}, body);
    if (TopicObjects::Object* current = objects.Find(key)) {
      REQUIRE(reference.contains(key));
      *current = std::move(stored);
    } else {
      REQUIRE_FALSE(reference.contains(key));
      objects.Insert(std::move(stored));
    }
    reference[key] = body;
    if (step % 1000 == 0) CheckSame(objects, reference);
  }
  CheckSame(objects, reference);
  CHECK(objects.Find("ns-9/pod-1") == nullptr);
  CHECK_FALSE(objects.Erase("ns-9/pod-1"));
}

}  // namespace
}  // namespace kr::bus
