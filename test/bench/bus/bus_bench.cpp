// Benchmark of the state bus (issue 4 targets), each figure beside raw ZeroMQ moving the same
// frames in the same run. Not a test: run by hand (see README.md).
//   1. snapshot of 150,000 pods + 10,000 services + 5,000 nodes to a late joiner
//   2. throughput of a burst of deltas to 16 subscribers
//   3. publish-to-apply latency at 50,000 deltas/s with 16 subscribers (p50, p99), with the
//      handlers taking the objects encoded (OnEncoded) and decoded into model::Pod (On<Pod>);
//      each 1 ms tick's deltas in one batch, and (3a only) unbatched as an extra row
//   4. (only when asked for) raw ZeroMQ alone at 50,000 deltas/s, three framings: 4 frames
//      per delta, 1 frame per delta, 1 message per 1 ms tick
// usage: bus_bench [snapshot|throughput|latency|latency-typed|raw [SUBSCRIBERS]]
// (latency-typed: only part 3b, e.g. for profiling the On<Pod> path). Environment:
// BUS_BENCH_IO_THREADS=N (the publisher's I/O threads), BUS_BENCH_PREFILL=1 (3b publishes its
// 10,000 pods before the subscribers start: updates only, no view grows during the run),
// BUS_BENCH_RAW_FIRST=1 (part 3 runs the reference before ours: whichever runs first pays
// more, mostly in the ZeroMQ I/O threads). Part 3 also prints each side's CPU time and
// context switches per kind of thread (publisher's and subscribers' I/O threads apart).
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "common/bus/bus.h"

namespace {

using namespace kr;
using Clock = std::chrono::steady_clock;

constexpr int kPods = 150000, kServices = 10000, kNodes = 5000;
int kSubscribers = 16;  // the second argument overrides it
constexpr int kBurst = 200000;
constexpr int kRate = 50000;
constexpr double kLatencySeconds = 2.0;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// CPU time of the whole process: unlike wall time, barely moved by other load on the machine.
double CpuSeconds() {
  timespec now{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

struct Timing {
  double wall = -1;
  double cpu = -1;
};

std::string Cbor(const nlohmann::json& value) {
  auto bytes = nlohmann::json::to_cbor(value);
  return std::string(bytes.begin(), bytes.end());
}

std::string PodBody(int i) {
  model::Pod pod;
  pod.ns = "ns-" + std::to_string(i % 100);
  pod.name = "pod-" + std::to_string(i);
  pod.labels = {{"app", "app-" + std::to_string(i % 500)}, {"tier", "web"}};
  pod.ips = {"10." + std::to_string(i / 65536 % 256) + "." + std::to_string(i / 256 % 256) + "." +
             std::to_string(i % 256)};
  pod.node_name = "node-" + std::to_string(i % kNodes);
  pod.phase = "Running";
  pod.ports = {{"http", "TCP", 8080}};
  return Cbor(nlohmann::json(pod));
}

struct Dir {
  std::string path;
  Dir() {
    std::string pattern = "/tmp/kr-bus-bench-XXXXXX";
    path = ::mkdtemp(pattern.data());
  }
  ~Dir() { std::filesystem::remove_all(path); }
};

void WaitUntil(const std::function<bool()>& condition) {
  const auto deadline = Clock::now() + std::chrono::minutes(2);
  while (!condition()) {
    if (Clock::now() > deadline) {
      std::fprintf(stderr, "bus_bench: a condition did not hold within 2 minutes\n");
      std::exit(1);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

void Row(const char* what, double ours, double reference, const char* unit) {
  std::printf("%-44s %12.3f %12.3f %8.2f   %s\n", what, ours, reference, ours / reference, unit);
}

// Per-thread CPU and context switches over a run, summed by thread name (ours and the
// reference run one after the other, so each side's threads only exist in its own run).
// From /proc/self/task/*/schedstat (run time in ns) and status (voluntary and involuntary
// context switches): where the time goes, and how often each kind of thread sleeps.
struct ThreadCounters {
  std::string name;
  double cpu_s = 0;
  uint64_t voluntary = 0, involuntary = 0;
};

std::map<int, ThreadCounters> SampleThreads() {
  std::map<int, ThreadCounters> threads;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    ThreadCounters counters;
    std::ifstream comm(task.path() / "comm");
    std::getline(comm, counters.name);
    std::ifstream schedstat(task.path() / "schedstat");
    uint64_t run_ns = 0;
    schedstat >> run_ns;
    counters.cpu_s = static_cast<double>(run_ns) / 1e9;
    std::ifstream status(task.path() / "status");
    for (std::string line; std::getline(status, line);) {
      if (line.starts_with("voluntary_ctxt_switches:")) {
        counters.voluntary = std::stoull(line.substr(line.find(':') + 1));
      } else if (line.starts_with("nonvoluntary_ctxt_switches:")) {
        counters.involuntary = std::stoull(line.substr(line.find(':') + 1));
      }
    }
    threads[std::stoi(task.path().filename().string())] = counters;
  }
  return threads;
}

std::set<int> ThreadIds() {
  std::set<int> ids;
  for (const auto& [tid, counters] : SampleThreads()) ids.insert(tid);
  return ids;
}

// Totals by thread name of what the threads alive at `after` did since `before`. The threads
// in `publisher_side` (those that existed before the subscribers started: the publisher's
// ZeroMQ I/O threads share their names with the subscribers') are counted as "pub:<name>".
std::map<std::string, ThreadCounters> ThreadDelta(const std::map<int, ThreadCounters>& before,
                                                  const std::map<int, ThreadCounters>& after,
                                                  const std::set<int>& publisher_side) {
  std::map<std::string, ThreadCounters> by_name;
  for (const auto& [tid, now] : after) {
    ThreadCounters then;
    if (auto it = before.find(tid); it != before.end()) then = it->second;
    const std::string name = (publisher_side.contains(tid) ? "pub:" : "") + now.name;
    ThreadCounters& sum = by_name[name];
    sum.name = name;
    sum.cpu_s += now.cpu_s - then.cpu_s;
    sum.voluntary += now.voluntary - then.voluntary;
    sum.involuntary += now.involuntary - then.involuntary;
  }
  return by_name;
}

void PrintThreads(const char* side, const std::map<std::string, ThreadCounters>& by_name) {
  for (const auto& [name, sum] : by_name) {
    if (sum.cpu_s < 0.005 && sum.voluntary + sum.involuntary < 100) continue;
    std::printf("  %-8s threads %-16s cpu %6.3f s  switches voluntary %7llu involuntary %6llu\n",
                side, name.c_str(), sum.cpu_s, (unsigned long long)sum.voluntary,
                (unsigned long long)sum.involuntary);
  }
}

// ---- 1. snapshot -------------------------------------------------------------------------

struct Object {
  bus::Topic topic;
  std::string key;
  std::string body;
};

std::vector<Object> ClusterObjects() {
  std::vector<Object> objects;
  objects.reserve(kPods + kServices + kNodes);
  for (int i = 0; i < kPods; ++i) {
    objects.push_back({bus::Topic::kPods,
                       "ns-" + std::to_string(i % 100) + "/pod-" + std::to_string(i), PodBody(i)});
  }
  for (int i = 0; i < kServices; ++i) {
    model::Service service;
    service.ns = "ns-" + std::to_string(i % 100);
    service.name = "svc-" + std::to_string(i);
    service.cluster_ips = {"10.96." + std::to_string(i / 256) + "." + std::to_string(i % 256)};
    service.ports = {{"http", "TCP", 80, {8080, ""}, 0}};
    objects.push_back({bus::Topic::kServices, service.Key(), Cbor(nlohmann::json(service))});
  }
  for (int i = 0; i < kNodes; ++i) {
    model::Node node{"node-" + std::to_string(i),
                     {{"InternalIP", "192.0.2." + std::to_string(i % 256)}},
                     {"10.244." + std::to_string(i % 256) + ".0/24"},
                     {{"kubernetes.io/hostname", "node-" + std::to_string(i)}},
                     {}};
    objects.push_back({bus::Topic::kNodes, node.Key(), Cbor(nlohmann::json(node))});
  }
  return objects;
}

Timing RawSnapshot(const std::vector<Object>& objects) {
  Dir dir;
  zmq::context_t context;
  zmq::socket_t router(context, zmq::socket_type::router);
  router.set(zmq::sockopt::sndhwm, 10000);
  router.set(zmq::sockopt::router_mandatory, 1);  // block at the high-water mark, as ours
  router.bind("ipc://" + dir.path + "/raw.sock");
  std::thread server([&] {
    std::vector<zmq::message_t> request;
    (void)bus::ReceiveMessage(router, request, false);
    std::string header = bus::EncodeHeader({});
    for (const auto& object : objects) {
      bus::SendMessage(router, &request[0], bus::TopicName(object.topic), header, object.key,
                       object.body, false);
    }
    bus::SendMessage(router, &request[0], "end", header, "", "", false);
  });
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::rcvhwm, 0);
  dealer.connect("ipc://" + dir.path + "/raw.sock");
  auto start = Clock::now();
  double cpu_start = CpuSeconds();
  dealer.send(zmq::buffer(std::string("snapshot")));
  std::vector<zmq::message_t> frames;
  size_t received = 0;
  while (bus::ReceiveMessage(dealer, frames, false) && frames[0].to_string_view() != "end") {
    ++received;
  }
  Timing timing{Seconds(Clock::now() - start), CpuSeconds() - cpu_start};
  server.join();
  return received == objects.size() ? timing : Timing{};
}

void BenchSnapshot() {
  auto objects = ClusterObjects();
  Dir dir;
  bus::PublisherOptions options;
  options.address = bus::BusAddress::InDirectory(dir.path);
  options.bus_directory = dir.path;
  auto publisher = bus::Publisher::Create(options);
  for (const auto& object : objects) {
    (void)(*publisher)->UpsertEncoded(object.topic, object.key, object.body, {1, 0});
  }
  (*publisher)->MarkInSync();
  Timing raw = RawSnapshot(objects);

  zmq::context_t context;
  auto start = Clock::now();
  double cpu_start = CpuSeconds();
  auto fetched = bus::FetchSnapshot(context, options.address.snapshot, {}, std::chrono::minutes(1));
  Timing fetch{Seconds(Clock::now() - start), CpuSeconds() - cpu_start};
  if (!fetched) std::printf("fetch failed: %s\n", fetched.error().message.c_str());

  // How the late joiner's handlers take the objects: still encoded (relays), as JSON trees
  // (OnRaw, kr-bus), or as model structs (On<T>, what the daemons use: CBOR straight into
  // the struct).
  enum class Mode { kEncoded, kJson, kTyped };
  auto late_join = [&](Mode mode) {
    bus::SubscriberOptions sub_options;
    sub_options.address = options.address;
    bus::Subscriber subscriber(sub_options);
    std::atomic<size_t> count{0};
    Clock::time_point first_delivery;  // subscriber thread only, read after in-sync
    auto delivered = [&] {
      if (count++ == 0) first_delivery = Clock::now();
    };
    auto ignore = [](const std::string&) {};
    if (mode == Mode::kTyped) {
      subscriber.On<model::Pod>([&](const std::string&, const model::Pod&) { delivered(); },
                                ignore);
      subscriber.On<model::Service>([&](const std::string&, const model::Service&) { delivered(); },
                                    ignore);
      subscriber.On<model::Node>([&](const std::string&, const model::Node&) { delivered(); },
                                 ignore);
    } else {
      for (bus::Topic topic : bus::kAllTopics) {
        if (mode == Mode::kJson) {
          subscriber.OnRaw(
              topic,
              [&](const std::string&, const nlohmann::json&) { return delivered(), Status(); },
              ignore);
        } else {
          subscriber.OnEncoded(
              topic,
              [&](const std::string&, const bus::EncodedObject&) { return delivered(), Status(); },
              ignore);
        }
      }
    }
    auto t0 = Clock::now();
    double cpu0 = CpuSeconds();
    (void)subscriber.Start();
    WaitUntil([&] { return subscriber.Stats().in_sync; });
    Timing timing{Seconds(Clock::now() - t0), CpuSeconds() - cpu0};
    const char* names[] = {"encoded", "JSON trees", "model structs"};
    std::printf("  (%s: first object reached its handler after %.3f s)\n",
                names[static_cast<int>(mode)], Seconds(first_delivery - t0));
    return count == objects.size() ? timing : Timing{};
  };
  Timing subscriber_encoded = late_join(Mode::kEncoded);
  Timing subscriber_typed = late_join(Mode::kTyped);
  Timing subscriber_json = late_join(Mode::kJson);

  std::printf("\n1. Snapshot of %d objects to a late joiner (target < 1 s)\n", (int)objects.size());
  std::printf("%-44s %12s %12s %8s\n", "", "kr bus", "raw zmq", "ratio");
  Row("FetchSnapshot (assembled, not decoded)", fetch.wall, raw.wall, "s");
  Row("Subscriber start -> in-sync, encoded view", subscriber_encoded.wall, raw.wall, "s");
  Row("Subscriber start -> in-sync, model structs", subscriber_typed.wall, raw.wall, "s");
  Row("Subscriber start -> in-sync, JSON trees", subscriber_json.wall, raw.wall, "s");
  std::printf("process CPU time (all threads) for the same:\n");
  Row("FetchSnapshot", fetch.cpu, raw.cpu, "cpu s");
  Row("Subscriber, encoded view", subscriber_encoded.cpu, raw.cpu, "cpu s");
  Row("Subscriber, model structs", subscriber_typed.cpu, raw.cpu, "cpu s");
  Row("Subscriber, JSON trees", subscriber_json.cpu, raw.cpu, "cpu s");
}

// ---- 2 and 3. deltas to 16 subscribers ---------------------------------------------------

size_t IndexOf(std::string_view body) {
  uint64_t index = 0;
  std::memcpy(&index, body.data() + body.size() - sizeof(index), sizeof(index));
  return index;
}

std::string WithIndex(std::string body, uint64_t index) {
  body.append(reinterpret_cast<const char*>(&index), sizeof(index));
  return body;
}

// In typed latency runs, delta i is a real pod body carrying i in this label, since the body
// must decode as a Pod; the reference decodes it the same way (model::DecodeCborInto into one
// reused Pod per subscriber, as On<Pod> does).
constexpr const char* kIndexLabel = "bench-index";

std::string TypedPodBody(int pod, uint64_t index) {
  auto value = nlohmann::json::from_cbor(PodBody(pod));
  value["labels"][kIndexLabel] = std::to_string(index);
  return Cbor(value);
}

size_t IndexOf(const model::Pod& pod) {
  auto it = pod.labels.find(kIndexLabel);
  return it == pod.labels.end() ? 0 : std::stoull(it->second);
}

// One delivery's publish-to-apply time, with the delta's index: where in the run the slow
// deliveries fall (TailByWindow).
struct Sample {
  uint32_t index;
  float us;
};
using Samples = std::vector<std::vector<Sample>>;  // per subscriber, its own thread only

void Record(std::vector<Sample>& samples, size_t index, int64_t sent) {
  const int64_t now = Clock::now().time_since_epoch().count();
  samples.push_back(Sample{static_cast<uint32_t>(index), static_cast<float>((now - sent) / 1e3)});
}

// Room for `per_subscriber` samples each, its pages already touched: a vector that doubles
// during the run would copy megabytes and fault in fresh pages in all 16 subscribers at about
// the same delta, a stall of the measurement's own making, on either side.
Samples SampleBuffers(size_t per_subscriber) {
  Samples samples(kSubscribers);
  for (auto& v : samples) {
    v.resize(per_subscriber);
    v.clear();
  }
  return samples;
}

// How the handlers take the objects: still encoded, or decoded into model::Pod.
enum class Apply { kEncoded, kTyped };

struct Fleet {
  std::vector<std::unique_ptr<bus::Subscriber>> subscribers;
  Samples latencies;
};

// `sent_at[i]`: when delta i was published. Encoded latency bodies end with i as 8 raw bytes
// (the handlers do not decode bodies), so the same frames serve ours and the reference.
std::unique_ptr<Fleet> StartFleet(const bus::BusAddress& address,
                                  const std::vector<std::atomic<int64_t>>* sent_at,
                                  Apply apply = Apply::kEncoded) {
  auto fleet = std::make_unique<Fleet>();
  fleet->latencies = SampleBuffers(sent_at != nullptr ? sent_at->size() : 0);
  for (int s = 0; s < kSubscribers; ++s) {
    bus::SubscriberOptions options;
    options.address = address;
    options.receive_high_water_mark = 1000000;
    auto subscriber = std::make_unique<bus::Subscriber>(options);
    auto* latencies = &fleet->latencies[s];
    if (apply == Apply::kTyped) {
      subscriber->On<model::Pod>(
          [sent_at, latencies](const std::string&, const model::Pod& pod) {
            const size_t index = IndexOf(pod);
            const int64_t sent = (*sent_at)[index];
            if (sent != 0) Record(*latencies, index, sent);  // 0: a prefilled pod
          },
          [](const std::string&) {});
    } else {
      subscriber->OnEncoded(
          bus::Topic::kPods,
          [sent_at, latencies](const std::string&, const bus::EncodedObject& object) {
            if (sent_at != nullptr) {
              const size_t index = IndexOf(object.body);
              Record(*latencies, index, (*sent_at)[index]);
            }
            return Status::Ok();
          },
          [](const std::string&) {});
    }
    (void)subscriber->Start();
    fleet->subscribers.push_back(std::move(subscriber));
  }
  for (auto& subscriber : fleet->subscribers) {
    WaitUntil(
        [&] { return subscriber->Stats().in_sync && subscriber->Stats().heartbeats_received > 0; });
  }
  return fleet;
}

// Raw reference: one PUB, 16 SUB threads; each SUB counts messages (and measures latency).
// One raw SUB of the reference, on a context of its own as a separate process would have:
// answers the publisher's "hello" once (counted in `ready`) and hands every other message to
// `on_message` until `stop`.
void RunRawSubscriber(const std::string& endpoint, std::atomic<int>& ready,
                      const std::atomic<bool>& stop,
                      const std::function<void(std::vector<zmq::message_t>&)>& on_message) {
  pthread_setname_np(pthread_self(), "raw-sub");  // apart from ours (kr-bus-sub) in perf
  zmq::context_t own(1);
  zmq::socket_t sub(own, zmq::socket_type::sub);
  sub.set(zmq::sockopt::rcvhwm, 1000000);
  sub.set(zmq::sockopt::subscribe, "");
  sub.connect(endpoint);
  bool counted_ready = false;
  std::vector<zmq::message_t> frames;
  while (!stop) {
    std::vector<zmq::pollitem_t> items{{sub.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, std::chrono::milliseconds(20));
    while (bus::ReceiveMessage(sub, frames, true)) {
      if (frames[0].to_string_view() == "hello") {
        if (!counted_ready) ++ready, counted_ready = true;
        continue;
      }
      on_message(frames);
    }
  }
}

// Until every SUB has its subscription in place, nothing sent would reach it.
void GreetUntilReady(zmq::socket_t& pub, const std::atomic<int>& ready) {
  while (ready < kSubscribers) {
    pub.send(zmq::buffer(std::string("hello")), zmq::send_flags::sndmore);
    pub.send(zmq::str_buffer(""), zmq::send_flags::sndmore);
    pub.send(zmq::str_buffer(""), zmq::send_flags::sndmore);
    pub.send(zmq::str_buffer(""), zmq::send_flags::none);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

struct RawFleet {
  zmq::context_t context{2};
  zmq::socket_t pub{context, zmq::socket_type::pub};
  std::vector<std::thread> threads;
  std::atomic<int> ready{0};
  std::vector<std::atomic<uint64_t>> received = std::vector<std::atomic<uint64_t>>(kSubscribers);
  Samples latencies;
  std::atomic<bool> stop{false};
  std::set<int> publisher_threads;  // the threads before the SUBs started (ThreadDelta)

  RawFleet(const std::string& endpoint, const std::vector<std::atomic<int64_t>>* sent_at,
           Apply apply = Apply::kEncoded) {
    pub.set(zmq::sockopt::sndhwm, 1000000);
    pub.bind(endpoint);
    latencies = SampleBuffers(sent_at != nullptr ? sent_at->size() : 0);
    publisher_threads = ThreadIds();
    for (int s = 0; s < kSubscribers; ++s) {
      threads.emplace_back([this, s, endpoint, sent_at, apply] {
        // As On<Pod>: each delta decoded with the same function into one reused struct.
        model::Pod pod;
        RunRawSubscriber(endpoint, ready, stop, [&](std::vector<zmq::message_t>& frames) {
          // Each delta gets what a subscriber's handler gets: its body, decoded or not.
          auto apply_one = [&](std::string_view body) {
            if (sent_at != nullptr && apply == Apply::kTyped) {
              const bool ok = model::DecodeCborInto(body, pod).ok();
              const size_t index = ok ? IndexOf(pod) : 0;
              Record(latencies[s], index, (*sent_at)[index]);
            } else if (sent_at != nullptr) {
              const size_t index = IndexOf(body);
              Record(latencies[s], index, (*sent_at)[index]);
            }
            ++received[s];
          };
          if (static_cast<bus::MessageType>(frames[1].data<char>()[1]) ==
              bus::MessageType::kBatch) {
            bus::BatchReader reader(frames[3].to_string_view());
            bus::BatchEntry entry;
            while (reader.Next(entry) == bus::BatchReader::Result::kEntry) apply_one(entry.body);
          } else {
            apply_one(frames[3].to_string_view());
          }
        });
      });
    }
    GreetUntilReady(pub, ready);
  }
  ~RawFleet() {
    stop = true;
    for (auto& thread : threads) thread.join();
  }
  bool AllReceived(uint64_t n) {
    return std::all_of(received.begin(), received.end(), [n](auto& r) { return r >= n; });
  }
};

void BenchThroughput() {
  std::vector<std::string> keys, bodies;
  for (int i = 0; i < 10000; ++i) {
    keys.push_back("ns-" + std::to_string(i % 100) + "/pod-" + std::to_string(i));
    bodies.push_back(PodBody(i));
  }
  // Ours.
  Dir dir;
  bus::PublisherOptions options;
  options.address = bus::BusAddress::InDirectory(dir.path);
  options.bus_directory = dir.path;
  options.send_high_water_mark = 1000000;
  auto publisher = bus::Publisher::Create(options);
  (*publisher)->MarkInSync();
  auto fleet = StartFleet(options.address, nullptr);
  auto start = Clock::now();
  double cpu_start = CpuSeconds();
  for (int i = 0; i < kBurst; ++i) {
    // Alternate bodies so that every upsert is a change.
    (void)(*publisher)
        ->UpsertEncoded(bus::Topic::kPods, keys[i % 10000], bodies[(i + i / 10000) % 10000],
                        {1, 0});
  }
  uint64_t last = (*publisher)->Stats().seqs[bus::Index(bus::Topic::kPods)];
  for (auto& subscriber : fleet->subscribers) {
    WaitUntil([&] { return subscriber->Stats().seqs[bus::Index(bus::Topic::kPods)] >= last; });
  }
  double ours = Seconds(Clock::now() - start);
  double ours_cpu = CpuSeconds() - cpu_start;
  uint64_t gaps = 0;
  for (auto& subscriber : fleet->subscribers) gaps += subscriber->Stats().gaps;
  fleet.reset();

  // Raw ZeroMQ, same frames.
  Dir raw_dir;
  RawFleet raw("ipc://" + raw_dir.path + "/raw.sock", nullptr);
  std::string header = bus::EncodeHeader({});
  start = Clock::now();
  cpu_start = CpuSeconds();
  for (int i = 0; i < kBurst; ++i) {
    bus::SendMessage(raw.pub, nullptr, "pods", header, keys[i % 10000],
                     bodies[(i + i / 10000) % 10000], false);
  }
  WaitUntil([&] { return raw.AllReceived(kBurst); });
  double reference = Seconds(Clock::now() - start);
  double reference_cpu = CpuSeconds() - cpu_start;

  std::printf("\n2. Burst of %d deltas to %d subscribers (target: ratio >= 0.5)\n", kBurst,
              kSubscribers);
  std::printf("%-44s %12s %12s %8s\n", "", "kr bus", "raw zmq", "ratio");
  Row("deltas/s, all subscribers applied all", kBurst / ours, kBurst / reference, "deltas/s");
  // Process CPU time (publisher, subscribers, I/O threads) per delta delivered to one
  // subscriber: what sustained rates cost on a busy machine, little moved by other load.
  const double deliveries = static_cast<double>(kBurst) * kSubscribers;
  Row("CPU time per delivery (all threads)", ours_cpu / deliveries * 1e9,
      reference_cpu / deliveries * 1e9, "cpu ns");
  std::printf("  (gaps seen by the subscribers: %llu)\n", (unsigned long long)gaps);
}

std::pair<double, double> Percentiles(const Samples& per_subscriber) {
  std::vector<double> all;
  for (const auto& v : per_subscriber) {
    for (const Sample& sample : v) all.push_back(sample.us);
  }
  if (all.empty()) return {-1, -1};
  std::sort(all.begin(), all.end());
  return {all[all.size() / 2], all[std::min(all.size() - 1, all.size() * 99 / 100)]};
}

// Deliveries slower than the 2 ms target in each tenth of the run, by the delta's index: a
// tail spread evenly is queueing; one concentrated in a window is a stall (e.g. the first
// tenth, where every delta is a new object and the views grow).
std::string TailByWindow(const Samples& per_subscriber, int total) {
  constexpr int kWindows = 10;
  std::array<uint64_t, kWindows> slow{};
  for (const auto& v : per_subscriber) {
    for (const Sample& sample : v) {
      if (sample.us > 2000) ++slow[std::min<size_t>(kWindows - 1, sample.index * kWindows / total)];
    }
  }
  std::string out;
  for (uint64_t count : slow) out += " " + std::to_string(count);
  // The worst delivery, and how many subscribers had one over 10 ms: all of them when the
  // publishing side stalled, one or a few when a subscriber did.
  Sample worst{0, 0};
  int stalled = 0;
  for (const auto& v : per_subscriber) {
    bool over = false;
    for (const Sample& sample : v) {
      if (sample.us > worst.us) worst = sample;
      over = over || sample.us > 10000;
    }
    stalled += over;
  }
  char text[96];
  std::snprintf(text, sizeof(text), " (worst %.0f us at delta %u; %d over 10 ms)", worst.us,
                worst.index, stalled);
  return out + text;
}

// Publishes `total` deltas at kRate: every 1 ms, `tick(begin, end)` publishes deltas
// [begin, end) and stamps each just before it is handed over (StampNow).
template <typename Tick>
void Paced(int total, Tick tick) {
  const int per_ms = kRate / 1000;
  auto next = Clock::now();
  for (int i = 0; i < total; i += per_ms) {
    tick(i, std::min(total, i + per_ms));
    next += std::chrono::milliseconds(1);
    std::this_thread::sleep_until(next);
  }
}

int64_t StampNow() {
  return Clock::now().time_since_epoch().count();
}

// batched: each 1 ms tick's deltas in one batch scope (ours) or one BATCH message (the
// reference); otherwise each delta is a message of its own (on ours: a batch of one).
void BenchLatency(Apply apply, bool batched) {
  const int total = static_cast<int>(kRate * kLatencySeconds);
  const bool prefill = apply == Apply::kTyped && std::getenv("BUS_BENCH_PREFILL") != nullptr;
  std::vector<std::string> keys, bodies;
  for (int i = 0; i < 10000; ++i) keys.push_back("ns-1/pod-" + std::to_string(i));
  for (int i = 0; i < total; ++i) {
    bodies.push_back(apply == Apply::kTyped ? TypedPodBody(i % 10000, i)
                                            : WithIndex(PodBody(i % 10000), i));
  }
  std::vector<std::atomic<int64_t>> sent_at(total);

  // Ours, then the reference; BUS_BENCH_RAW_FIRST=1 swaps the order, to tell a difference
  // between the two from an effect of running first or second (warm allocator, caches).
  double ours_cpu = 0, reference_cpu = 0;
  std::pair<double, double> ours_percentiles, reference;
  Samples ours_samples, raw_samples;
  std::map<std::string, ThreadCounters> ours_threads, raw_threads;
  uint64_t resnapshots = 0;
  auto run_ours = [&] {
    // Prefilled pods are told from timed deltas by a stamp of 0 (their index), also after the
    // reference ran first.
    for (auto& stamp : sent_at) stamp = 0;
    Dir dir;
    bus::PublisherOptions options;
    options.address = bus::BusAddress::InDirectory(dir.path);
    options.bus_directory = dir.path;
    options.send_high_water_mark = 1000000;
    if (const char* io = std::getenv("BUS_BENCH_IO_THREADS")) options.io_threads = std::atoi(io);
    auto publisher = bus::Publisher::Create(options);
    if (prefill) {
      // The 10,000 pods exist before the subscribers start (bodies without the index label):
      // the run is then updates only, and no view grows during it.
      for (int i = 0; i < 10000; ++i) {
        (void)(*publisher)->UpsertEncoded(bus::Topic::kPods, keys[i], PodBody(i), {1, 0});
      }
    }
    (*publisher)->MarkInSync();
    const std::set<int> publisher_threads = ThreadIds();
    auto fleet = StartFleet(options.address, &sent_at, apply);
    const auto ours_threads_before = SampleThreads();
    const double cpu_start = CpuSeconds();
    Paced(total, [&](int begin, int end) {
      std::optional<bus::Publisher::BatchScope> batch;
      if (batched) batch.emplace((*publisher)->BeginBatch());
      for (int i = begin; i < end; ++i) {
        sent_at[i] = StampNow();
        (void)(*publisher)->UpsertEncoded(bus::Topic::kPods, keys[i % 10000], bodies[i], {1, 0});
      }
    });
    for (auto& subscriber : fleet->subscribers) {
      WaitUntil([&] {
        return subscriber->Stats().seqs[bus::Index(bus::Topic::kPods)] >= (uint64_t)total;
      });
    }
    ours_cpu = CpuSeconds() - cpu_start;
    ours_threads = ThreadDelta(ours_threads_before, SampleThreads(), publisher_threads);
    for (auto& subscriber : fleet->subscribers) resnapshots += subscriber->Stats().resnapshots;
    fleet->subscribers.clear();  // joins their threads before the latencies are read
    ours_percentiles = Percentiles(fleet->latencies);
    ours_samples = std::move(fleet->latencies);
  };
  auto run_raw = [&] {
    Dir raw_dir;
    RawFleet raw("ipc://" + raw_dir.path + "/raw.sock", &sent_at, apply);
    const auto raw_threads_before = SampleThreads();
    const double cpu_start = CpuSeconds();
    const std::string single_header = bus::EncodeHeader({});
    bus::BatchBuilder builder;
    Paced(total, [&](int begin, int end) {
      if (!batched) {
        for (int i = begin; i < end; ++i) {
          sent_at[i] = StampNow();
          bus::SendMessage(raw.pub, nullptr, "pods", single_header, keys[i % 10000], bodies[i],
                           false);
        }
        return;
      }
      builder.Clear();
      for (int i = begin; i < end; ++i) {
        sent_at[i] = StampNow();
        builder.Add(bus::MessageType::kUpsert, {1, 0}, keys[i % 10000], bodies[i]);
      }
      const auto header = bus::HeaderBytes(bus::Header{
          bus::kProtocolVersion, bus::MessageType::kBatch, {}, 1, static_cast<uint64_t>(begin)});
      bus::SendMessage(raw.pub, nullptr, "pods", std::string_view(header.data(), header.size()), "",
                       builder.Finish(), false);
    });
    WaitUntil([&] { return raw.AllReceived(total); });
    reference_cpu = CpuSeconds() - cpu_start;
    raw_threads = ThreadDelta(raw_threads_before, SampleThreads(), raw.publisher_threads);
    raw.stop = true;
    for (auto& thread : raw.threads) thread.join();
    raw.threads.clear();
    reference = Percentiles(raw.latencies);
    raw_samples = std::move(raw.latencies);
  };
  if (std::getenv("BUS_BENCH_RAW_FIRST") != nullptr) {
    run_raw();
    run_ours();
  } else {
    run_ours();
    run_raw();
  }
  const auto [ours_p50, ours_p99] = ours_percentiles;

  std::printf(
      "\n3%s. %d deltas/s for %.0f s to %d subscribers, %s, %s (target: p99 < 2000 us)\n",
      apply == Apply::kTyped ? "b" : "a", kRate, kLatencySeconds, kSubscribers,
      apply == Apply::kTyped ? "decoded into model::Pod (On<Pod>; the reference decodes too)"
                             : "handlers take the encoded object (OnEncoded)",
      batched ? "one batch per 1 ms tick" : "UNBATCHED: each delta its own message (extra row)");
  std::printf("%-44s %12s %12s %8s\n", "", "kr bus", "raw zmq", "ratio");
  Row("publish-to-apply latency p50", ours_p50, reference.first, "us");
  Row("publish-to-apply latency p99", ours_p99, reference.second, "us");
  Row("process CPU time during the run", ours_cpu, reference_cpu, "cpu s");
  std::printf("  (re-snapshots by the subscribers: %llu)\n", (unsigned long long)resnapshots);
  std::printf("  deliveries over 2 ms per tenth of the run: kr bus%s; raw zmq%s (of %d each)\n",
              TailByWindow(ours_samples, total).c_str(), TailByWindow(raw_samples, total).c_str(),
              total / 10 * kSubscribers);
  PrintThreads("kr bus", ours_threads);
  PrintThreads("raw zmq", raw_threads);
}

// ---- 4. raw ZeroMQ framings at 50,000 deltas/s (what batching could buy) ------------------

// How the reference frames the deltas: (a) 4 frames per delta as the bus, (b) one frame per
// delta (topic, header, key and body concatenated), (c) one 4-frame message per 1 ms tick
// whose body packs that tick's deltas as [u32 key size][key][u32 body size][body]...
enum class Framing { kFourFrames, kOneFrame, kBatched };

void PutU32(std::string& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}

uint32_t GetU32(const char* in) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value = (value << 8) | static_cast<uint8_t>(in[i]);
  return value;
}

void BenchRawFraming(Framing framing) {
  const int total = static_cast<int>(kRate * kLatencySeconds);
  std::vector<std::string> keys, bodies;
  for (int i = 0; i < 10000; ++i) keys.push_back("ns-1/pod-" + std::to_string(i));
  for (int i = 0; i < total; ++i) bodies.push_back(WithIndex(PodBody(i % 10000), i));
  std::vector<std::atomic<int64_t>> sent_at(total);
  Dir dir;
  const std::string endpoint = "ipc://" + dir.path + "/raw.sock";
  zmq::context_t context{1};
  zmq::socket_t pub{context, zmq::socket_type::pub};
  pub.set(zmq::sockopt::sndhwm, 1000000);
  pub.bind(endpoint);
  std::atomic<int> ready{0};
  std::atomic<bool> stop{false};
  std::vector<std::atomic<uint64_t>> received(kSubscribers);
  Samples latencies = SampleBuffers(total);
  std::vector<std::thread> threads;
  for (int s = 0; s < kSubscribers; ++s) {
    threads.emplace_back([&, s] {
      auto record = [&](std::string_view body) {
        const size_t index = IndexOf(body);
        Record(latencies[s], index, sent_at[index]);
        ++received[s];
      };
      RunRawSubscriber(endpoint, ready, stop, [&](std::vector<zmq::message_t>& frames) {
        if (framing == Framing::kOneFrame) {
          record(frames[0].to_string_view());
        } else if (framing == Framing::kFourFrames) {
          record(frames[3].to_string_view());
        } else {
          std::string_view packed = frames[3].to_string_view();
          for (size_t at = 0; at + 8 <= packed.size();) {
            at += 4 + GetU32(packed.data() + at);
            uint32_t size = GetU32(packed.data() + at);
            record(packed.substr(at + 4, size));
            at += 4 + size;
          }
        }
      });
    });
  }
  GreetUntilReady(pub, ready);
  const std::string header = bus::EncodeHeader({});
  const double cpu_start = CpuSeconds();
  const int per_ms = kRate / 1000;
  auto next = Clock::now();
  std::string frame;
  for (int i = 0; i < total;) {
    frame.clear();
    for (int b = 0; b < per_ms && i < total; ++b, ++i) {
      sent_at[i] = Clock::now().time_since_epoch().count();
      const std::string& key = keys[i % 10000];
      if (framing == Framing::kFourFrames) {
        bus::SendMessage(pub, nullptr, "pods", header, key, bodies[i], false);
      } else if (framing == Framing::kOneFrame) {
        frame.assign("pods").append(header).append(key).append(bodies[i]);
        pub.send(zmq::buffer(frame), zmq::send_flags::none);
      } else {
        PutU32(frame, static_cast<uint32_t>(key.size()));
        frame.append(key);
        PutU32(frame, static_cast<uint32_t>(bodies[i].size()));
        frame.append(bodies[i]);
      }
    }
    if (framing == Framing::kBatched)
      bus::SendMessage(pub, nullptr, "pods", header, "", frame, false);
    next += std::chrono::milliseconds(1);
    std::this_thread::sleep_until(next);
  }
  WaitUntil([&] {
    return std::all_of(received.begin(), received.end(),
                       [&](auto& r) { return r >= static_cast<uint64_t>(total); });
  });
  const double cpu = CpuSeconds() - cpu_start;
  stop = true;
  for (auto& thread : threads) thread.join();
  auto [p50, p99] = Percentiles(latencies);
  const char* names[] = {"(a) 4 frames per delta", "(b) 1 frame per delta",
                         "(c) 1 message per 1 ms batch"};
  std::printf("%-32s p50 %9.0f us  p99 %9.0f us  CPU %6.2f s\n", names[static_cast<int>(framing)],
              p50, p99, cpu);
}

}  // namespace

int main(int argc, char** argv) {
  std::string only = argc > 1 ? argv[1] : "";
  if (argc > 2) kSubscribers = std::max(1, std::atoi(argv[2]));
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::printf("kr bus benchmark (ratio = kr bus / raw ZeroMQ; for times, lower is better)\n");
  if (only.empty() || only == "snapshot") BenchSnapshot();
  if (only.empty() || only == "throughput") BenchThroughput();
  if (only.empty() || only == "latency") {
    BenchLatency(Apply::kEncoded, /*batched=*/true);
    BenchLatency(Apply::kEncoded, /*batched=*/false);
  }
  if (only.empty() || only == "latency" || only == "latency-typed") {
    BenchLatency(Apply::kTyped, /*batched=*/true);
  }
  if (only == "raw") {
    std::printf("\n4. raw ZeroMQ, %d deltas/s for %.0f s to %d subscribers, by framing\n", kRate,
                kLatencySeconds, kSubscribers);
    for (Framing framing : {Framing::kFourFrames, Framing::kOneFrame, Framing::kBatched}) {
      BenchRawFraming(framing);
    }
  }
  return 0;
}
