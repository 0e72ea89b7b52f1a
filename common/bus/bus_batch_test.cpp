// BATCH messages (proto/SPEC.md sections 3.1 and 8): how the publisher groups deltas, and how
// a subscriber applies, dedupes and recovers from damaged or lost batches. Each test fails if
// the consumer's state diverges from what the spec demands.
#include <catch2/catch.hpp>

#include "common/bus/bus_test_support.h"

namespace kr::bus {
namespace {

using testing::FastPublisher;
using testing::FastSubscriber;
using testing::MakePod;
using testing::Mirror;
using testing::PublisherState;
using testing::TempDir;
using testing::WaitFor;
using testing::WaitForSeqs;

std::string PodCbor(const model::Pod& pod) {
  auto bytes = nlohmann::json::to_cbor(nlohmann::json(pod));
  return std::string(bytes.begin(), bytes.end());
}

std::vector<std::string> BatchFrames(uint64_t epoch, uint64_t first_seq, BatchBuilder& builder) {
  return {"pods", EncodeHeader(Header{kProtocolVersion, MessageType::kBatch, {}, epoch, first_seq}),
          "", std::string(builder.Finish())};
}

struct SeenBatch {
  uint64_t first_seq = 0;
  std::vector<std::string> keys;
};

// A bare SUB on the update socket that reads pod batches as they are on the wire.
class RawTap {
 public:
  explicit RawTap(const std::string& dir) : sub_(context_, zmq::socket_type::sub) {
    sub_.set(zmq::sockopt::linger, 0);
    sub_.set(zmq::sockopt::subscribe, "pods");
    sub_.set(zmq::sockopt::subscribe, "namespaces");
    sub_.connect(BusAddress::InDirectory(dir).updates);
  }

  // Publishes namespace probes until one arrives: from then on nothing published is missed.
  bool Ready(Publisher& publisher) {
    for (int probe = 0; probe < 500; ++probe) {
      model::Namespace ns{"probe-" + std::to_string(probe), {}, {}};
      if (!publisher.Upsert(ns).ok()) return false;
      if (Next(std::chrono::milliseconds(20), "namespaces")) {
        while (Next(std::chrono::milliseconds(50), "namespaces")) {
        }
        return true;
      }
    }
    return false;
  }

  // The next BATCH of `topic` (others are skipped), or nothing within `timeout`.
  std::optional<SeenBatch> Next(std::chrono::milliseconds timeout,
                                std::string_view topic = "pods") {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<zmq::message_t> frames;
    while (std::chrono::steady_clock::now() < deadline) {
      std::vector<zmq::pollitem_t> items{{sub_.handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, std::chrono::milliseconds(10));
      while (ReceiveMessage(sub_, frames, true)) {
        auto message = ParseMessage(frames);
        if (!message || message->topic_name != topic) continue;
        if (message->header.type != MessageType::kBatch) return SeenBatch{};  // fails the test
        SeenBatch seen{message->header.seq, {}};
        BatchReader reader(message->body);
        BatchEntry entry;
        while (reader.Next(entry) == BatchReader::Result::kEntry) {
          seen.keys.emplace_back(entry.key);
        }
        return seen;
      }
    }
    return std::nullopt;
  }

 private:
  zmq::context_t context_;
  zmq::socket_t sub_;
};

std::vector<std::string> PodKeys(int from, int to) {
  std::vector<std::string> keys;
  for (int i = from; i < to; ++i) keys.push_back("x/p" + std::to_string(i));
  return keys;
}

TEST_CASE("bus batch: scopes group deltas per topic, nest, and split at the bounds", "[bus]") {
  TempDir dir;
  auto options = FastPublisher(dir.path());
  options.heartbeat_interval = std::chrono::seconds(30);  // no heartbeat flushes a scope early
  auto created = Publisher::Create(options);
  REQUIRE(created.ok());
  Publisher& publisher = **created;
  RawTap tap(dir.path());
  REQUIRE(tap.Ready(publisher));
  constexpr auto kWait = std::chrono::seconds(10);

  // Outside a scope: a batch of one, at once.
  REQUIRE(publisher.Upsert(MakePod("x", "p0", 1)).ok());
  auto single = tap.Next(kWait);
  REQUIRE(single);
  CHECK(single->first_seq == 1);
  CHECK(single->keys == PodKeys(0, 1));

  // Nested: only the outermost end sends.
  uint64_t batches = publisher.Stats().batches_published;
  {
    auto outer = publisher.BeginBatch();
    {
      auto inner = publisher.BeginBatch();
      REQUIRE(publisher.Upsert(MakePod("x", "p1", 1)).ok());
    }
    REQUIRE(publisher.Upsert(MakePod("x", "p2", 1)).ok());
    CHECK(publisher.Stats().batches_published == batches);
    CHECK(publisher.Stats().seqs[Index(Topic::kPods)] == 3);  // final already
  }
  CHECK(publisher.Stats().batches_published == batches + 1);
  auto nested = tap.Next(kWait);
  REQUIRE(nested);
  CHECK(nested->first_seq == 2);
  CHECK(nested->keys == PodKeys(1, 3));

  // The entry bound: 600 deltas go out as 256 + 256 + 88, in order.
  {
    auto batch = publisher.BeginBatch();
    for (int i = 3; i < 603; ++i)
      REQUIRE(publisher.Upsert(MakePod("x", "p" + std::to_string(i), 1)).ok());
  }
  uint64_t next_seq = 4;
  for (int expected : {256, 256, 88}) {
    auto seen = tap.Next(kWait);
    REQUIRE(seen);
    CHECK(seen->first_seq == next_seq);
    const int from = static_cast<int>(next_seq) - 1;
    CHECK(seen->keys == PodKeys(from, from + expected));
    next_seq += expected;
  }

  // The byte bound: two 30 KiB bodies fit in 64 KiB, a third does not.
  {
    auto batch = publisher.BeginBatch();
    for (int i = 0; i < 3; ++i) {
      REQUIRE(publisher
                  .UpsertEncoded(Topic::kPods, "x/big" + std::to_string(i),
                                 std::string(30 * 1024, static_cast<char>('a' + i)), {1, 0})
                  .ok());
    }
    auto first_two = tap.Next(kWait);  // sent when the third did not fit
    REQUIRE(first_two);
    CHECK(first_two->keys == std::vector<std::string>{"x/big0", "x/big1"});
    // Flush() sends at once, inside the scope too.
    REQUIRE(publisher.Flush().ok());
    auto third = tap.Next(kWait);
    REQUIRE(third);
    CHECK(third->first_seq == first_two->first_seq + 2);
    CHECK(third->keys == std::vector<std::string>{"x/big2"});
  }
  CHECK(publisher.Stats().deltas_published ==
        publisher.Stats().seqs[Index(Topic::kPods)] +
            publisher.Stats().seqs[Index(Topic::kNamespaces)]);
}

TEST_CASE("bus batch: a snapshot during an open batch reflects exactly what was sent", "[bus]") {
  TempDir dir;
  auto options = FastPublisher(dir.path());
  options.heartbeat_interval = std::chrono::seconds(30);  // only the snapshot flushes
  auto created = Publisher::Create(options);
  REQUIRE(created.ok());
  Publisher& publisher = **created;
  publisher.MarkInSync();
  RawTap tap(dir.path());
  REQUIRE(tap.Ready(publisher));
  zmq::context_t context;
  const uint64_t sent_before = publisher.Stats().deltas_published;

  Subscriber subscriber(FastSubscriber(dir.path()));
  Mirror mirror;
  mirror.Attach(subscriber, {Topic::kPods});
  {
    auto batch = publisher.BeginBatch();
    for (int i = 1; i <= 3; ++i)
      REQUIRE(publisher.Upsert(MakePod("x", "p" + std::to_string(i), 1)).ok());
    CHECK(publisher.Stats().deltas_published == sent_before);  // buffered

    auto snapshot = FetchSnapshot(context, BusAddress::InDirectory(dir.path()).snapshot,
                                  {Topic::kPods}, std::chrono::seconds(10));
    REQUIRE(snapshot.ok());
    CHECK(snapshot->seqs[Index(Topic::kPods)] == 3);
    CHECK(snapshot->objects[Index(Topic::kPods)].size() == 3);
    // Every sequence the snapshot reflects is on the wire; none is still buffered.
    CHECK(publisher.Stats().deltas_published == sent_before + 3);

    // A subscriber that joins while the scope is open (its snapshot flushes it too).
    REQUIRE(subscriber.Start().ok());
    REQUIRE(WaitFor([&] { return subscriber.Stats().snapshots_applied >= 1; }));
    for (int i = 4; i <= 5; ++i)
      REQUIRE(publisher.Upsert(MakePod("x", "p" + std::to_string(i), 1)).ok());
    CHECK(publisher.Stats().deltas_published == sent_before + 3);
  }
  CHECK(publisher.Stats().deltas_published == sent_before + 5);

  auto first = tap.Next(std::chrono::seconds(10));
  REQUIRE(first);
  CHECK(first->first_seq == 1);
  CHECK(first->keys == PodKeys(1, 4));
  auto rest = tap.Next(std::chrono::seconds(10));
  REQUIRE(rest);
  CHECK(rest->first_seq == 4);
  CHECK(rest->keys == PodKeys(4, 6));

  // A subscription still in flight when the subscriber's snapshot was served misses deltas;
  // that is noticed only at the next delta or heartbeat (SPEC section 8), so one is sent.
  auto caught_up = [&] {
    return subscriber.Stats().seqs[Index(Topic::kPods)] ==
           publisher.Stats().seqs[Index(Topic::kPods)];
  };
  if (!WaitFor(caught_up, std::chrono::seconds(3))) {
    REQUIRE(publisher.Upsert(MakePod("x", "probe", 1)).ok());
  }
  REQUIRE(WaitFor(caught_up));
  CHECK(mirror.state() == PublisherState(publisher, {Topic::kPods}));
}

// A subscriber of pods, in sync with a publisher that has published p1..p5 (sequences 1-5)
// singly, its subscription proven active by a heartbeat.
struct SyncedPair {
  TempDir dir;
  std::unique_ptr<Publisher> publisher;
  std::unique_ptr<Subscriber> subscriber;
  Mirror mirror;

  SyncedPair() {
    auto created = Publisher::Create(FastPublisher(dir.path()));
    REQUIRE(created.ok());
    publisher = std::move(*created);
    for (int i = 1; i <= 5; ++i)
      REQUIRE(publisher->Upsert(MakePod("x", "p" + std::to_string(i), 1)).ok());
    publisher->MarkInSync();
    auto options = FastSubscriber(dir.path());
    // Counters are checked exactly: no publisher timeout on a loaded machine.
    options.dead_after_heartbeats = 100;
    subscriber = std::make_unique<Subscriber>(options);
    mirror.Attach(*subscriber, {Topic::kPods});
    REQUIRE(subscriber->Start().ok());
    REQUIRE(WaitFor([&] { return subscriber->Stats().in_sync; }));
    REQUIRE(WaitFor([&] { return subscriber->Stats().heartbeats_received >= 1; }));
    REQUIRE(WaitForSeqs(*subscriber, *publisher, {Topic::kPods}));
  }
  uint64_t pod_seq() const { return subscriber->Stats().seqs[Index(Topic::kPods)]; }
};

TEST_CASE("bus batch: entries apply in order; those a snapshot covers are skipped", "[bus]") {
  SyncedPair pair;
  // A batch straddling the subscriber's sequence 5: entries 3-5 are already in its view (had
  // they been applied, p3 and p4 would turn stale and p5 would vanish), 6-8 are new.
  BatchBuilder builder;
  builder.Add(MessageType::kUpsert, {1, 0}, "x/p3", PodCbor(MakePod("x", "stale", 9)));
  builder.Add(MessageType::kUpsert, {1, 0}, "x/p4", PodCbor(MakePod("x", "stale", 9)));
  builder.Add(MessageType::kDelete, {1, 0}, "x/p5", "");
  builder.Add(MessageType::kUpsert, {1, 0}, "x/n6", PodCbor(MakePod("x", "n6", 1)));
  builder.Add(MessageType::kUpsert, {1, 0}, "x/n6", PodCbor(MakePod("x", "n6", 2)));
  builder.Add(MessageType::kDelete, {1, 0}, "x/p1", "");
  REQUIRE(pair.publisher->SendRawForTest(BatchFrames(pair.publisher->epoch(), 3, builder)).ok());

  REQUIRE(WaitFor([&] { return pair.pod_seq() == 8; }));
  auto stats = pair.subscriber->Stats();
  REQUIRE(stats.resnapshots == 0);
  CHECK(stats.duplicates == 3);
  CHECK(stats.gaps == 0);
  auto pods = pair.mirror.state()[Topic::kPods];
  CHECK(pods.size() == 5);  // p2-p5 and n6
  CHECK_FALSE(pods.contains("x/p1"));
  for (int i = 2; i <= 5; ++i) {
    CHECK(pods["x/p" + std::to_string(i)] ==
          nlohmann::json(MakePod("x", "p" + std::to_string(i), 1)));
  }
  CHECK(pods["x/n6"] == nlohmann::json(MakePod("x", "n6", 2)));  // the later entry won
  CHECK(pair.mirror.upserts("x/n6") == 2);

  // A batch wholly covered is skipped entry by entry, without a gap.
  REQUIRE(pair.publisher->SendRawForTest(BatchFrames(pair.publisher->epoch(), 7, builder)).ok());
  REQUIRE(WaitFor([&] { return pair.subscriber->Stats().duplicates == 3 + 2; }));
  CHECK(pair.pod_seq() == 12);  // entries 9-12 applied
  CHECK(pair.subscriber->Stats().gaps == 0);
}

TEST_CASE("bus batch: a truncated or garbled batch is counted and repaired", "[bus]") {
  SyncedPair pair;
  const uint64_t epoch = pair.publisher->epoch();
  BatchBuilder builder;
  for (int i = 6; i <= 8; ++i) {
    builder.Add(MessageType::kUpsert, {1, 0}, "x/r" + std::to_string(i),
                PodCbor(MakePod("x", "r", i)));
  }
  const std::string good(builder.Finish());
  const std::string truncated = good.substr(0, good.size() - 3);  // inside the third entry
  std::string garbled = good;
  garbled[4 + kBatchEntryOverhead + 4 + PodCbor(MakePod("x", "r", 6)).size()] = 9;  // 2nd type

  uint64_t malformed = 0;
  uint64_t resnapshots = 0;
  int round = 0;
  for (const std::string& body : {truncated, garbled}) {
    ++round;
    REQUIRE(pair.publisher
                ->SendRawForTest(
                    {"pods",
                     EncodeHeader(Header{kProtocolVersion,
                                         MessageType::kBatch,
                                         {},
                                         epoch,
                                         pair.publisher->Stats().seqs[Index(Topic::kPods)] + 1}),
                     "", body})
                .ok());
    // Sequences after the damage are unknown: the subscriber re-snapshots and drops what the
    // good prefix added, since the publisher never had it.
    REQUIRE(WaitFor([&] {
      auto stats = pair.subscriber->Stats();
      return stats.malformed > malformed && stats.resnapshots > resnapshots &&
             stats.snapshots_applied > resnapshots + 1;
    }));
    malformed = pair.subscriber->Stats().malformed;
    resnapshots = pair.subscriber->Stats().resnapshots;
    CHECK(pair.mirror.upserts("x/r6") == round);  // the entry before the damage was applied ...
    REQUIRE(WaitForSeqs(*pair.subscriber, *pair.publisher, {Topic::kPods}));
    CHECK(pair.mirror.state() == PublisherState(*pair.publisher, {Topic::kPods}));  // ... undone
  }
  CHECK(malformed == 2);

  // And the stream goes on.
  REQUIRE(pair.publisher->Upsert(MakePod("x", "after", 1)).ok());
  REQUIRE(WaitForSeqs(*pair.subscriber, *pair.publisher, {Topic::kPods}));
  CHECK(pair.mirror.state() == PublisherState(*pair.publisher, {Topic::kPods}));
}

}  // namespace
}  // namespace kr::bus
