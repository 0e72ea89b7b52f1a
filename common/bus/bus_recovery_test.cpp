// Recovery paths: publisher restart with a new epoch, silent publisher, and losses at the
// high-water mark. Each test fails if the consumer's state diverges from the publisher's.
#include <catch2/catch.hpp>
#include <condition_variable>

#include "common/bus/bus_test_support.h"

namespace kr::bus {
namespace {

using testing::FastPublisher;
using testing::FastSubscriber;
using testing::MakePod;
using testing::MakeService;
using testing::Mirror;
using testing::PublisherState;
using testing::TempDir;
using testing::WaitFor;

TEST_CASE("bus: a restarted publisher causes no delete of objects that still exist", "[bus]") {
  TempDir dir;
  Subscriber subscriber(FastSubscriber(dir.path()));
  Mirror mirror;
  mirror.Attach(subscriber);
  bool lost = false;
  std::mutex lost_mu;
  subscriber.OnPublisherLost([&] {
    std::lock_guard lock(lost_mu);
    lost = true;
  });
  REQUIRE(subscriber.Start().ok());

  uint64_t first_epoch = 0;
  {
    auto first = Publisher::Create(FastPublisher(dir.path()));
    REQUIRE(first.ok());
    first_epoch = (*first)->epoch();
    for (int i = 1; i <= 5; ++i)
      REQUIRE((*first)->Upsert(MakePod("x", "p" + std::to_string(i), 1)).ok());
    REQUIRE((*first)->Upsert(MakeService("x", "s", 80)).ok());
    (*first)->MarkInSync();
    REQUIRE(WaitFor([&] { return subscriber.Stats().in_sync; }));
    REQUIRE(mirror.state() == PublisherState(**first));
  }

  // Silence: the subscriber notices, keeps its view, deletes nothing.
  REQUIRE(WaitFor([&] { return subscriber.Stats().publisher_timeouts >= 1; }));
  {
    std::lock_guard lock(lost_mu);
    CHECK(lost);
  }
  CHECK(mirror.deletes().empty());
  CHECK(mirror.state()[Topic::kPods].size() == 5);

  // A new process: new epoch, relisting. p5 and the service are gone, p4 changed, p6 is new.
  auto second = Publisher::Create(FastPublisher(dir.path()));
  REQUIRE(second.ok());
  REQUIRE((*second)->epoch() != first_epoch);
  for (int i = 1; i <= 3; ++i)
    REQUIRE((*second)->Upsert(MakePod("x", "p" + std::to_string(i), 1)).ok());
  REQUIRE((*second)->Upsert(MakePod("x", "p4", 2)).ok());
  REQUIRE((*second)->Upsert(MakePod("x", "p6", 1)).ok());
  REQUIRE(WaitFor([&] {
    auto stats = subscriber.Stats();
    return stats.epoch == (*second)->epoch() && mirror.upserts("x/p4") == 2 &&
           mirror.Has(Topic::kPods, "x/p6");
  }));
  // Before the new publisher is in-sync, nothing is deleted, not even p5.
  CHECK(mirror.deletes().empty());
  CHECK(mirror.Has(Topic::kPods, "x/p5"));
  CHECK_FALSE(subscriber.Stats().in_sync);

  (*second)->MarkInSync();
  REQUIRE(WaitFor([&] { return subscriber.Stats().in_sync; }));
  REQUIRE(WaitFor([&] { return mirror.state() == PublisherState(**second); }));
  CHECK(mirror.deletes() == std::map<std::string, int>{{"x/p5", 1}, {"x/s", 1}});
  // Unchanged objects were never reported again.
  CHECK(mirror.upserts("x/p1") == 1);
  CHECK(mirror.upserts("x/p3") == 1);
  CHECK(mirror.in_sync_calls() == 1);
  auto stats = subscriber.Stats();
  CHECK(stats.epoch_changes == 1);
  CHECK(stats.resnapshots >= 1);
}

TEST_CASE("bus: a restart straight into in-sync reports only real differences", "[bus]") {
  TempDir dir;
  Subscriber subscriber(FastSubscriber(dir.path()));
  Mirror mirror;
  mirror.Attach(subscriber);
  REQUIRE(subscriber.Start().ok());
  {
    auto first = Publisher::Create(FastPublisher(dir.path()));
    REQUIRE(first.ok());
    for (int i = 0; i < 100; ++i)
      REQUIRE((*first)->Upsert(MakePod("x", "p" + std::to_string(i), 1)).ok());
    (*first)->MarkInSync();
    REQUIRE(WaitFor([&] { return mirror.state() == PublisherState(**first); }));
  }
  // The new publisher has listed everything before any consumer reconnects.
  auto second = Publisher::Create(FastPublisher(dir.path()));
  REQUIRE(second.ok());
  for (int i = 0; i < 99; ++i)
    REQUIRE((*second)->Upsert(MakePod("x", "p" + std::to_string(i), 1)).ok());
  (*second)->MarkInSync();
  REQUIRE(WaitFor([&] {
    return subscriber.Stats().epoch == (*second)->epoch() &&
           mirror.state() == PublisherState(**second);
  }));
  CHECK(mirror.deletes() == std::map<std::string, int>{{"x/p99", 1}});
  for (int i = 0; i < 99; ++i) CHECK(mirror.upserts("x/p" + std::to_string(i)) == 1);
}

TEST_CASE("bus: losses at the high-water mark are detected and repaired", "[bus]") {
  // Batched, whole batches are lost: the next batch's first sequence reveals the gap.
  const bool batched = GENERATE(false, true);
  TempDir dir;
  auto options = FastPublisher(dir.path());
  options.send_high_water_mark = 10;
  auto publisher = Publisher::Create(options);
  REQUIRE(publisher.ok());
  for (int i = 0; i < 50; ++i)
    REQUIRE((*publisher)->Upsert(MakePod("x", "p" + std::to_string(i), 0)).ok());
  (*publisher)->MarkInSync();

  auto sub_options = FastSubscriber(dir.path());
  sub_options.receive_high_water_mark = 10;
  Subscriber subscriber(sub_options);
  Mirror mirror;
  mirror.Attach(subscriber, {Topic::kServices});

  // The pods handler stalls on the "gate" pod until the burst is over, so the queues fill.
  std::mutex gate_mu;
  std::condition_variable gate_cv;
  bool gate_open = false;
  std::map<std::string, nlohmann::json> pods;
  subscriber.OnRaw(
      Topic::kPods,
      [&](const std::string& key, const nlohmann::json& value) {
        std::unique_lock lock(gate_mu);
        if (key == "x/gate")
          gate_cv.wait_for(lock, std::chrono::seconds(30), [&] { return gate_open; });
        pods[key] = value;
        return Status::Ok();
      },
      [&](const std::string& key) {
        std::lock_guard lock(gate_mu);
        pods.erase(key);
      });
  REQUIRE(subscriber.Start().ok());
  REQUIRE(WaitFor([&] { return subscriber.Stats().in_sync; }));

  REQUIRE((*publisher)->Upsert(MakePod("x", "gate", 0)).ok());
  for (int round = 1; round <= 40; ++round) {
    std::optional<Publisher::BatchScope> scope;
    if (batched) scope.emplace((*publisher)->BeginBatch());
    for (int i = 0; i < 500; ++i) {
      REQUIRE((*publisher)->Upsert(MakePod("x", "p" + std::to_string(i), round)).ok());
    }
    REQUIRE((*publisher)->Upsert(MakeService("y", "s" + std::to_string(round), round)).ok());
    if (round % 3 == 0)
      REQUIRE((*publisher)->Delete(Topic::kPods, "x/p" + std::to_string(round)).ok());
  }
  {
    std::lock_guard lock(gate_mu);
    gate_open = true;
  }
  gate_cv.notify_all();

  auto pods_equal = [&] {
    auto expected = PublisherState(**publisher, {Topic::kPods})[Topic::kPods];
    std::lock_guard lock(gate_mu);
    return pods == expected;
  };
  // Stats are refreshed after each batch, so they are waited for too, not read once.
  const uint64_t last_seq = (*publisher)->Stats().seqs[Index(Topic::kPods)];
  REQUIRE(WaitFor([&] {
    return pods_equal() && mirror.state() == PublisherState(**publisher, {Topic::kServices}) &&
           subscriber.Stats().seqs[Index(Topic::kPods)] == last_seq;
  }));
  auto stats = subscriber.Stats();
  CHECK(stats.gaps >= 1);
  CHECK(stats.resnapshots >= 1);
  if (batched)
    CHECK((*publisher)->Stats().batches_published < (*publisher)->Stats().deltas_published / 100);
}

}  // namespace
}  // namespace kr::bus
