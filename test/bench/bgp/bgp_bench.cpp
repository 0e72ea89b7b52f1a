// BGP receive and FIB-install benchmark: our speaker against BIRD 2, both fed the same routes
// by the same gobgpd over eBGP, each in its own network namespace (run as root).
//
//   bgp_bench                 both parts
//   bgp_bench receive [N]     N IPv4 routes (default 100,000) into the Loc-RIB / BIRD's table
//   bgp_bench fib [N]         N pod CIDRs (default 5,000) learned and installed in the kernel:
//                             ours with kr-routed's RoutedController (protocol 17), BIRD with
//                             its kernel protocol
//   --rounds R                repeat each side R times, alternating (default 1)
//
// Times run from the session reaching Established (ours: NeighborStatus::established_since;
// BIRD: the "since" of `birdc show protocols`, in ms) to the last route being in place, how
// each side is watched is in README.md. gobgpd runs at nice -10 for both sides, and each side
// starts only once gobgpd has finished with the other's session. Peak RSS is VmHWM: of this
// whole process for ours (the speaker runs in-process, so it includes the benchmark's own few
// MiB; read before the benchmark copies the Loc-RIB to count it), of bird for BIRD. The fib
// part runs after the receive part in the same process: run `bgp_bench fib` alone for its RSS.
#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/route/netlink_route_kernel.h"
#include "common/route/route_sync.h"
#include "common/runtime/stop_token.h"
#include "services/routed/bgp/speaker.h"
#include "services/routed/routed_controller.h"
#include "test/bench/bgp/mrt_writer.h"
#include "test/bench/bgp/route_monitor.h"
#include "test/bench/bgp/task_cpu.h"
#include "test/privileged/bgp/daemon.h"
#include "test/support/netns.h"

namespace kr::bench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;
using kr::test::Daemon;
using kr::test::NetNs;
using kr::test::TempDir;
using kr::test::VethPair;
using kr::test::WaitFor;

constexpr uint16_t kPort = 10179;
constexpr uint8_t kBirdProtocol = 12;  // RTPROT_BIRD

// One RoutedController::Sync that wrote routes (fib, ours).
struct Batch {
  Clock::time_point start;
  double at = 0;  // Established -> start
  double seconds = 0;
  size_t routes = 0;  // kernel routes it added (the growth of kernel_routes())
};

struct Figures {
  double seconds = 0;      // Established -> all routes in place
  double first_route = 0;  // Established -> the first route in place (gobgpd's start)
  // fib, ours: details of where the time went.
  double sync_end = 0;      // Established -> return of the sync that wrote the last route
  double last_arrival = 0;  // Established -> the last Loc-RIB change (the last UPDATE's routes)
  std::vector<Batch> batches;
  double window_installer_cpu = 0;  // first Loc-RIB change -> end: the controller's thread
  double window_write_cpu = 0;      // the part of it in RouteKernel::Apply (mostly the kernel)
  double window_speaker_cpu = 0;    // the same window: the rest of ours (the speaker's io thread)
  double monitor_cpu = 0;           // the route monitor's reader (not counted as the side's)
  double peak_rss_mib = 0;
  double baseline_rss_mib = 0;  // ours only: the process before the speaker started
  double gobgpd_cpu = 0;        // CPU seconds gobgpd spent during the run (its work for us)
  // CPU seconds of the side itself from its start to the end of the time (ours: this whole
  // process from before the speaker starts but the route monitor; BIRD: the bird process):
  // less at the mercy of other load than the time.
  double cpu = 0;
};

// CPU of `after`'s threads since `before`, but thread `skip`'s.
double CpuSince(const std::map<pid_t, double>& before, const std::map<pid_t, double>& after,
                pid_t skip) {
  double sum = 0;
  for (const auto& [tid, seconds] : after) {
    if (tid == skip) continue;
    auto was = before.find(tid);
    sum += seconds - (was == before.end() ? 0 : was->second);
  }
  return sum;
}

double StatusMiB(const std::string& status_file, const std::string& field) {
  std::ifstream in(status_file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      return std::stod(line.substr(field.size() + 1)) / 1024.0;  // kB
    }
  }
  return 0;
}

double Since(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// Three namespaces: gobgpd in "gobgp", our speaker in "us" (192.0.2.1, gobgpd 192.0.2.2) and
// bird in "bird" (198.51.100.1, gobgpd 198.51.100.2).
struct Lab {
  Lab() {
    gobgp.AddAddress("to-us", "192.0.2.2/24");
    us.AddAddress("eth0", "192.0.2.1/24");
    gobgp.AddAddress("to-bird", "198.51.100.2/24");
    bird.AddAddress("eth0", "198.51.100.1/24");
    std::string config = "[global.config]\n  as = 65002\n  router-id = \"192.0.2.2\"\n  port = " +
                         std::to_string(kPort) + "\n";
    for (const char* neighbor : {"192.0.2.1", "198.51.100.1"}) {
      config += "[[neighbors]]\n  [neighbors.config]\n    neighbor-address = \"" +
                std::string(neighbor) +
                "\"\n    peer-as = 65001\n  [neighbors.transport.config]\n    remote-port = " +
                std::to_string(kPort) + "\n  [neighbors.timers.config]\n    connect-retry = 1\n";
    }
    // gobgpd feeds both sides and its preparation is most of either time; on a loaded machine
    // that part swings by seconds between runs. A higher priority for the shared feeder (the
    // same for both sides) makes the figures about the receivers rather than the load.
    gobgpd = std::make_unique<Daemon>(
        gobgp,
        std::vector<std::string>{"nice", "-n", "-10", "gobgpd", "-f",
                                 dir.Write("gobgpd.toml", config), "-p", "--pprof-disable",
                                 "--api-hosts", "127.0.0.1:50051"},
        dir.path() + "/gobgpd.log");
    if (!WaitFor([&] { return Gobgp({"global"}).ok(); }, 15s)) {
      throw std::runtime_error("gobgpd did not start: " + Log("gobgpd.log"));
    }
  }

  kr::test::CommandResult Gobgp(std::vector<std::string> args) const {
    args.insert(args.begin(), {"gobgp", "-p", "50051"});
    return gobgp.Exec(args);
  }
  std::string Log(const std::string& name) const {
    return kr::test::RunCommand({"cat", dir.path() + "/" + name}).output;
  }
  size_t GobgpRibSize() const {
    const std::string summary = Gobgp({"global", "rib", "summary", "-a", "ipv4"}).output;
    const size_t at = summary.find("Destination: ");
    return at == std::string::npos ? 0 : std::stoul(summary.substr(at + 13));
  }

  // Returns once gobgpd has taken down its session with `neighbor` (the side that ran before)
  // and answers its API: its main loop has then finished the peer-down work (dropping that
  // peer's 100,000 sent routes takes it seconds of CPU), which would otherwise fall into the
  // next side's time. Both sides start from this same idle gobgpd.
  void WaitGobgpdIdle(const std::string& neighbor) const {
    (void)WaitFor(
        [&] {
          const std::string state = Gobgp({"neighbor", neighbor}).output;
          return state.find("BGP state = ESTABLISHED") == std::string::npos;
        },
        30s);
    (void)GobgpRibSize();
  }

  // Loads table.count routes into gobgpd's global RIB through an MRT dump (see MrtTable).
  void LoadRoutes(MrtTable table) {
    const std::string file = dir.path() + "/routes.mrt";
    table.repeat_first = table.count / 2;
    if (Status s = WriteMrt(file, table); !s) throw std::runtime_error(s.error().message);
    const auto start = Clock::now();
    for (int attempt = 0; attempt < 5 && GobgpRibSize() < table.count; ++attempt) {
      auto injected = Gobgp({"mrt", "inject", "global", file});
      if (!injected.ok()) throw std::runtime_error("mrt inject: " + injected.output);
      // The injected routes are all in once the count stops at N.
      (void)WaitFor([&] { return GobgpRibSize() >= table.count; }, 10s);
    }
    if (GobgpRibSize() != table.count) {
      throw std::runtime_error("gobgpd has " + std::to_string(GobgpRibSize()) + " routes, not " +
                               std::to_string(table.count));
    }
    std::printf("gobgpd loaded %u routes in %.1f s (MRT inject)\n", table.count,
                Since(start, Clock::now()));
  }

  NetNs gobgp{"gobgp"};
  NetNs us{"us"};
  NetNs bird{"bird"};
  VethPair to_us{gobgp, "to-us", us, "eth0"};
  VethPair to_bird{gobgp, "to-bird", bird, "eth0"};
  TempDir dir;
  std::unique_ptr<Daemon> gobgpd;
};

// The first prefix of `table` that `rib` lacks ("none" when complete), for the diagnosis.
std::string FirstMissing(const std::vector<bgp::RibRoute>& rib, const MrtTable& table) {
  std::set<uint32_t> have;
  for (const bgp::RibRoute& r : rib) have.insert(r.prefix.address().v4());
  for (uint32_t i = 0; i < table.count; ++i) {
    const uint32_t prefix = table.first + (i << (32 - table.length));
    if (!have.count(prefix)) {
      return bgp::IpPrefix(bgp::IpAddress::V4(prefix), table.length).ToString() + " (route " +
             std::to_string(i) + ", " + std::to_string(table.count - have.size()) + " missing)";
    }
  }
  return "none";
}

// Wakes the benchmark's loop when the Loc-RIB changes, as kr-routed's controller loop is woken
// (SpeakerConfig::on_loc_rib_change runs on the speaker's io thread and must not block: a
// short lock and a notify).
class Wakeup {
 public:
  void Notify() {
    {
      std::lock_guard lock(mu_);
      pending_ = true;
    }
    cv_.notify_one();
  }
  // Returns at once when notified since the last call, else within `timeout`.
  void Wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return pending_; });
    pending_ = false;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool pending_ = false;
};

// kr-routed's BgpControl over the benchmark's own speaker (whose peer is gobgpd): the
// controller reads the Loc-RIB through it as through SpeakerBgpControl (generation, then the
// changed prefixes); there is no plan to apply and nothing to originate.
class BenchBgpControl final : public routed::BgpControl {
 public:
  explicit BenchBgpControl(bgp::Speaker& speaker) : speaker_(speaker) {}
  Status Configure(const routed::BgpPlan&) override { return Status::Ok(); }
  size_t SetOriginated(const std::set<bgp::IpPrefix>&) override { return 0; }
  std::vector<bgp::NeighborStatus> Neighbors() override { return speaker_.Neighbors(); }
  std::vector<bgp::RibRoute> LocRib() override { return speaker_.LocRib(); }
  uint64_t LocRibGeneration() const override { return speaker_.LocRibGeneration(); }
  std::optional<bgp::LocRibChanges> TakeLocRibChanges() override {
    return speaker_.TakeLocRibChanges();
  }

 private:
  bgp::Speaker& speaker_;
};

// The netlink kernel with the CPU its writes take (Apply, on the calling thread) counted, so
// that the controller's own work shows apart from the kernel's.
class TimedRouteKernel final : public route::RouteKernel {
 public:
  explicit TimedRouteKernel(route::RouteKernel& kernel) : kernel_(kernel) {}
  route::RouteProtocol protocol() const override { return kernel_.protocol(); }
  Status AddRoute(const route::Route& r) override { return kernel_.AddRoute(r); }
  Status ReplaceRoute(const route::Route& r) override { return kernel_.ReplaceRoute(r); }
  Status DeleteRoute(const route::Route& r) override { return kernel_.DeleteRoute(r); }
  Expected<std::vector<route::Route>> DumpRoutes(const route::RouteFilter& f) override {
    return kernel_.DumpRoutes(f);
  }
  std::vector<Status> Apply(std::span<const route::RouteOp> ops) override {
    const double before = ThisThreadCpuSeconds();
    std::vector<Status> result = kernel_.Apply(ops);
    apply_cpu_ += ThisThreadCpuSeconds() - before;
    return result;
  }
  Status CreateTunnel(const route::TunnelSpec& spec) override { return kernel_.CreateTunnel(spec); }
  Status DeleteTunnel(const std::string& name) override { return kernel_.DeleteTunnel(name); }
  Expected<std::vector<route::Tunnel>> ListTunnels() override { return kernel_.ListTunnels(); }

  double apply_cpu() const { return apply_cpu_; }

 private:
  static double ThisThreadCpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
  }

  route::RouteKernel& kernel_;
  double apply_cpu_ = 0;
};

// kr-routed's controller for the node the speaker runs as (no CNI file, nothing originated):
// its Sync is the daemon's, kernel routes included (services/routed/route_install.h).
std::unique_ptr<routed::RoutedController> BenchController(routed::BgpControl& bgp,
                                                          route::RouteKernel& kernel) {
  routed::RoutedOptions options;
  options.node_name = "bench";
  options.enable_cni = false;
  options.advertise_pod_cidr = false;
  auto controller = std::make_unique<routed::RoutedController>(options, bgp, kernel, nullptr);
  model::Node self;
  self.name = "bench";
  self.addresses = {{"InternalIP", "192.0.2.1"}};
  self.pod_cidrs = {"198.51.100.0/24"};
  controller->UpsertNode(self);
  controller->MarkInSync();
  return controller;
}

Figures RunOurs(Lab& lab, const MrtTable& table, bool install) {
  const uint32_t count = table.count;
  Figures f;
  // Each round's peak is its own: hand back what earlier rounds freed (their table copies)
  // and restart the kernel's VmHWM ("5" to clear_refs resets the peak to the current RSS).
  ::malloc_trim(0);
  std::ofstream("/proc/self/clear_refs") << "5";
  f.baseline_rss_mib = StatusMiB("/proc/self/status", "VmRSS");
  // The end both sides share: the kernel announcing the count-th route of the side's protocol.
  std::unique_ptr<RouteMonitor> monitor;
  if (install) {
    auto created = lab.us.Run([count] { return RouteMonitor::Create(17, count); });
    if (!created) throw std::runtime_error(created.error().message);
    monitor = std::move(*created);
  }
  const pid_t self = ::getpid();
  const auto cpu_at_start = ThreadCpuSeconds(self);
  std::map<pid_t, double> cpu_at_first_change;
  double apply_cpu_at_first_change = 0;
  // The last Loc-RIB change (nanoseconds since the epoch), noted on the speaker's io thread.
  std::atomic<int64_t> last_arrival{0};
  Wakeup wakeup;
  bgp::SpeakerConfig sc;
  sc.local_as = 65001;
  sc.router_id = 0xc0000201;
  sc.listen_address = bgp::IpAddress::Parse("192.0.2.1");
  sc.port = kPort;
  sc.connect_retry_seconds = 1;
  sc.on_loc_rib_change = [&wakeup, &last_arrival](uint64_t) {
    last_arrival.store(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
            .count());
    wakeup.Notify();
  };
  bgp::PeerConfig pc;
  pc.address = *bgp::IpAddress::Parse("192.0.2.2");
  pc.peer_as = 65002;
  pc.port = kPort;
  sc.peers.push_back(pc);
  sc.track_loc_rib_changes = install;  // as SpeakerBgpControl sets it for kr-routed
  auto speaker = lab.us.Run([&] { return bgp::Speaker::Create(sc); });
  if (!speaker) throw std::runtime_error(speaker.error().message);
  std::optional<route::NetlinkRouteKernel> kernel;
  std::optional<TimedRouteKernel> timed;
  std::optional<BenchBgpControl> control;
  std::unique_ptr<routed::RoutedController> controller;
  StopSource stop;
  if (install) {
    auto created = lab.us.Run([] { return route::NetlinkRouteKernel::Create(17); });
    if (!created) throw std::runtime_error(created.error().message);
    kernel.emplace(std::move(*created));
    timed.emplace(*kernel);
    control.emplace(**speaker);
    controller = BenchController(*control, *timed);
    // kr-routed's first sync (bus in sync, before BGP brings routes): dump and diff.
    if (Status s = controller->Sync(SyncKind::kFull, stop.token()); !s) {
      throw std::runtime_error("first sync: " + s.error().message);
    }
  }

  // What kr-routed syncs: our protocol's routes in the main table, both families.
  const route::RouteFilter scope{.table = RT_TABLE_MAIN};
  uint64_t handled = 0;
  uint64_t last_seen = 0;
  size_t have = 0;
  auto last_change = Clock::now();
  auto first_change = last_change;
  std::optional<Clock::time_point> done;
  const auto give_up = Clock::now() + 300s;
  while (!done) {
    // The generation is an atomic read: it costs the speaker nothing. The table is copied
    // only when the generation says the routes may all be there, or when it has been quiet
    // for 200 ms (it counts changes, not routes); the installing side copies and syncs on
    // every change, as kr-routed does.
    const uint64_t generation = (*speaker)->LocRibGeneration();
    const auto now = Clock::now();
    if (generation != last_seen) {
      if (last_seen == 0) {
        first_change = now;
        cpu_at_first_change = ThreadCpuSeconds(self);
        if (timed) apply_cpu_at_first_change = timed->apply_cpu();
      }
      last_seen = generation;
      last_change = now;
    }
    const bool quiet = now - last_change >= 200ms;
    if (generation != handled && (install || generation >= count || quiet)) {
      handled = generation;
      if (install) {
        // What kr-routed's loop runs when the speaker signals a change.
        const size_t before = controller->kernel_routes().size();
        const auto start = Clock::now();
        const Status synced = controller->Sync(SyncKind::kIncremental, stop.token());
        if (!synced) std::printf("sync: %s\n", synced.error().message.c_str());
        have = controller->kernel_routes().size();
        if (have != before) {
          f.batches.push_back({start, 0, Since(start, Clock::now()), have - before});
        }
        // The routes are in the kernel once the sync returned.
        if (have >= count && synced) done = Clock::now();
        continue;
      }
      // Before the copy: the benchmark's copy of the table is not the speaker's memory.
      f.peak_rss_mib = StatusMiB("/proc/self/status", "VmHWM");
      const std::vector<bgp::RibRoute> rib = (*speaker)->LocRib();
      have = rib.size();
      if (rib.size() >= count && (*speaker)->LocRibGeneration() == generation) {
        // The table did not change between the generation read and the end of the copy, so
        // it was complete at `now` (the benchmark's own copy is not the speaker's time).
        done = now;
      }
      continue;
    }
    // Nothing changed for 10 s after the first routes with some still missing: they are not
    // coming. (Before the first, gobgpd may spend many seconds preparing on a loaded machine.)
    if (now > give_up || (last_seen != 0 && now - last_change > 10s && handled == generation)) {
      std::string neighbor = "no neighbour";
      for (const auto& n : (*speaker)->Neighbors()) {
        neighbor = "neighbour " + n.address.ToString() + " " + std::to_string(n.messages_received) +
                   " messages, " + std::to_string(n.received_routes) + " routes received, " +
                   std::to_string(n.accepted_routes) + " accepted, last error: " + n.last_error;
      }
      throw std::runtime_error("ours: " + std::to_string(have) + " of " + std::to_string(count) +
                               " routes in the Loc-RIB (generation " + std::to_string(generation) +
                               "), first missing: " + FirstMissing((*speaker)->LocRib(), table) +
                               "; " + neighbor);
    }
    wakeup.Wait(10ms);
  }
  const auto cpu_at_end = ThreadCpuSeconds(self);
  // The installing side copies nothing; read once, off the installer's path.
  if (install) f.peak_rss_mib = StatusMiB("/proc/self/status", "VmHWM");
  const pid_t monitor_tid = monitor ? monitor->tid() : 0;
  f.cpu = CpuSince(cpu_at_start, cpu_at_end, monitor_tid);
  const auto neighbors = (*speaker)->Neighbors();
  if (neighbors.empty() || !neighbors[0].established_since) {
    throw std::runtime_error("ours: no Established time");
  }
  const Clock::time_point established = *neighbors[0].established_since;
  f.seconds = Since(established, *done);
  f.first_route = Since(established, first_change);
  if (install) {
    // The monitor's reader notes the last route within about a millisecond of the sync.
    (void)WaitFor([&] { return monitor->reached().has_value(); }, 5s);
    if (!monitor->reached() || monitor->overrun()) {
      throw std::runtime_error("ours: the route monitor saw " + std::to_string(monitor->count()) +
                               " routes" + (monitor->overrun() ? " (overrun)" : ""));
    }
    f.sync_end = f.seconds;
    f.seconds = Since(established, *monitor->reached());
    f.first_route = Since(established, *monitor->first());
    f.last_arrival =
        Since(established, Clock::time_point(std::chrono::duration_cast<Clock::duration>(
                               std::chrono::nanoseconds(last_arrival.load()))));
    const double installer = cpu_at_end.at(self) - cpu_at_first_change.at(self);
    f.window_installer_cpu = installer;
    f.window_write_cpu = timed->apply_cpu() - apply_cpu_at_first_change;
    f.window_speaker_cpu = CpuSince(cpu_at_first_change, cpu_at_end, monitor_tid) - installer;
    f.monitor_cpu = monitor->cpu_seconds();
    for (Batch& b : f.batches) b.at = Since(established, b.start);
  }
  if (const std::string missing = FirstMissing((*speaker)->LocRib(), table); missing != "none") {
    throw std::runtime_error("ours: Loc-RIB incomplete, first missing: " + missing);
  }
  if (install) {
    auto dumped = kernel->DumpRoutes(scope);
    const size_t in_kernel = dumped ? dumped->size() : 0;
    if (in_kernel != count) {
      throw std::runtime_error("ours: " + std::to_string(in_kernel) + " routes in the kernel");
    }
    (void)route::SyncRoutes(*kernel, {}, scope);  // leave the namespace as found
  }
  controller.reset();
  speaker->reset();
  return f;
}

// "kr  BGP  ---  up  2026-11-22 21:30:01.123  Established" -> that time.
std::optional<Clock::time_point> BirdSince(const std::string& protocols) {
  const size_t up = protocols.find(" up ");
  if (up == std::string::npos || protocols.find("Established") == std::string::npos) {
    return std::nullopt;
  }
  std::tm tm{};
  int millis = 0;
  const char* at = protocols.c_str() + up + 4;
  while (*at == ' ') ++at;
  const char* rest = strptime(at, "%Y-%m-%d %H:%M:%S", &tm);
  if (rest == nullptr) return std::nullopt;
  if (*rest == '.') millis = std::atoi(rest + 1);
  tm.tm_isdst = -1;
  return Clock::from_time_t(std::mktime(&tm)) + std::chrono::milliseconds(millis);
}

size_t BirdRouteCount(const std::string& text) {
  // "100000 of 100000 routes for 100000 networks in table master4"
  const size_t of = text.find(" of ");
  if (of == std::string::npos) return 0;
  size_t start = of;
  while (start > 0 && std::isdigit(static_cast<unsigned char>(text[start - 1]))) --start;
  return start == of ? 0 : std::stoul(text.substr(start, of - start));
}

// "    Routes:         100000 imported, 0 exported, 100000 preferred" (`show protocols all`):
// the routes of the session's channel in BIRD's table, a counter BIRD keeps. `show route
// count` would walk the 100,000 routes on every poll, BIRD time the benchmark would take
// from BIRD while it receives.
size_t BirdImported(const std::string& text) {
  const size_t routes = text.find("Routes:");
  if (routes == std::string::npos) return 0;
  size_t at = routes + 7;
  while (at < text.size() && text[at] == ' ') ++at;
  size_t end = at;
  while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
  return end == at ? 0 : std::stoul(text.substr(at, end - at));
}

Figures RunBird(Lab& lab, uint32_t count, bool install) {
  const std::string port = std::to_string(kPort);
  std::string config =
      "router id 198.51.100.1;\ntimeformat protocol iso long ms;\nprotocol device {}\n"
      "protocol bgp g {\n  local 198.51.100.1 port " +
      port + " as 65001;\n  neighbor 198.51.100.2 port " + port +
      " as 65002;\n  connect delay time 1; connect retry time 1;\n"
      "  ipv4 { import all; export none; };\n}\n";
  if (install) config += "protocol kernel { ipv4 { export all; }; }\n";
  const std::string socket = lab.dir.path() + "/bird.ctl";
  // fib: the same end as ours, the kernel announcing the count-th route of BIRD's protocol;
  // listening before bird starts.
  std::unique_ptr<RouteMonitor> monitor;
  if (install) {
    auto created = lab.bird.Run([count] { return RouteMonitor::Create(kBirdProtocol, count); });
    if (!created) throw std::runtime_error(created.error().message);
    monitor = std::move(*created);
  }
  auto bird = std::make_unique<Daemon>(
      lab.bird,
      std::vector<std::string>{"bird", "-f", "-c", lab.dir.Write("bird.conf", config), "-s", socket,
                               "-P", lab.dir.path() + "/bird.pid"},
      lab.dir.path() + "/bird.log");
  auto birdc = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"birdc", "-s", socket});
    return lab.bird.Exec(args).output;
  };
  const auto give_up = Clock::now() + 120s;
  std::optional<Clock::time_point> first_route;
  Clock::time_point done;
  for (;;) {
    if (install) {
      // Nothing asked of bird or the kernel meanwhile: the monitor's reader notes the times.
      if (monitor->reached()) break;
    } else {
      // A query's answer shows the table at some moment during the query: taking its start as
      // the time the routes were in place errs in BIRD's favour.
      done = Clock::now();
      const size_t have = BirdImported(birdc({"show", "protocols", "all", "g"}));
      if (have > 0 && !first_route) first_route = done;
      if (have >= count) break;
    }
    if (Clock::now() > give_up) {
      throw std::runtime_error("bird: " + std::to_string(monitor ? monitor->count() : 0) +
                               " routes in the kernel; " +
                               birdc({"show", "protocols", "all", "g"}) +
                               birdc({"show", "route", "count"}) + lab.Log("bird.log"));
    }
    std::this_thread::sleep_for(10ms);
  }
  Figures f;
  f.cpu = LiveCpuSeconds(bird->pid());  // since it started
  if (install) {
    if (monitor->overrun()) throw std::runtime_error("bird: the route monitor overran");
    done = *monitor->reached();
    first_route = monitor->first();
    f.monitor_cpu = monitor->cpu_seconds();
    auto kernel = lab.bird.Run([] { return route::NetlinkRouteKernel::Create(kBirdProtocol); });
    if (!kernel) throw std::runtime_error(kernel.error().message);
    auto dumped = kernel->DumpRoutes(route::RouteFilter{AF_INET, RT_TABLE_MAIN});
    if (!dumped || dumped->size() != count) {
      throw std::runtime_error("bird: " + std::to_string(dumped ? dumped->size() : 0) +
                               " routes in the kernel");
    }
  }
  if (!install && BirdRouteCount(birdc({"show", "route", "count"})) != count) {
    throw std::runtime_error("bird: table incomplete: " + birdc({"show", "route", "count"}));
  }
  f.peak_rss_mib = StatusMiB("/proc/" + std::to_string(bird->pid()) + "/status", "VmHWM");
  const std::string protocols = birdc({"show", "protocols", "g"});
  const auto since = BirdSince(protocols);
  if (!since) throw std::runtime_error("bird: no Established time in: " + protocols);
  f.seconds = Since(*since, done);
  f.first_route = Since(*since, first_route.value_or(done));
  bird.reset();  // bird's kernel protocol removes its routes as it stops
  return f;
}

// Where ours spent the time (fib): the old end (the sync's return), the last UPDATE's routes
// reaching the Loc-RIB, the writes, and the CPU of each thread from the first route on.
void ReportOursDetail(const std::vector<Figures>& ours, const std::vector<Figures>& bird) {
  std::printf(
      "\nours in detail (s from Established; CPU s from the first Loc-RIB change to the "
      "end; monitor: the route monitor's reader, ours / BIRD's run)\n");
  std::printf("%-6s %9s %9s %12s %9s %7s %11s %11s %11s %9s %13s\n", "round", "end", "sync end",
              "last arrival", "tail ms", "syncs", "installer", "(in Apply)", "speaker io",
              "monitor", "(BIRD run)");
  for (size_t i = 0; i < ours.size(); ++i) {
    const Figures& f = ours[i];
    std::printf("%-6zu %9.3f %9.3f %12.3f %9.1f %7zu %11.3f %11.3f %11.3f %9.3f %13.3f\n", i + 1,
                f.seconds, f.sync_end, f.last_arrival, (f.seconds - f.last_arrival) * 1e3,
                f.batches.size(), f.window_installer_cpu, f.window_write_cpu, f.window_speaker_cpu,
                f.monitor_cpu, bird[i].monitor_cpu);
  }
  for (size_t i = 0; i < ours.size(); ++i) {
    // Each sync that wrote routes: routes@start(s)/duration(ms), the first 6 and the last 4.
    std::printf("round %zu batches:", i + 1);
    const auto& batches = ours[i].batches;
    for (size_t b = 0; b < batches.size(); ++b) {
      if (b == 6 && batches.size() > 10) {
        std::printf(" ...");
        b = batches.size() - 4;
      }
      std::printf(" %zu@%.3f/%.1f", batches[b].routes, batches[b].at, batches[b].seconds * 1e3);
    }
    std::printf("\n");
  }
}

void Report(const std::string& title, const std::vector<Figures>& ours,
            const std::vector<Figures>& bird) {
  std::printf("\n%s\n", title.c_str());
  std::printf("%-8s %14s %14s %10s %12s %12s %10s %12s %12s %12s %12s %10s %10s\n", "round",
              "ours (s)", "BIRD (s)", "ratio", "ours RSS MiB", "BIRD RSS MiB", "ratio",
              "ours 1st (s)", "BIRD 1st (s)", "gobgpd CPU", "(BIRD run)", "ours CPU", "BIRD CPU");
  for (size_t i = 0; i < ours.size(); ++i) {
    std::printf(
        "%-8zu %14.3f %14.3f %10.2f %12.1f %12.1f %10.2f %12.3f %12.3f %12.3f %12.3f %10.3f "
        "%10.3f\n",
        i + 1, ours[i].seconds, bird[i].seconds, ours[i].seconds / bird[i].seconds,
        ours[i].peak_rss_mib, bird[i].peak_rss_mib, ours[i].peak_rss_mib / bird[i].peak_rss_mib,
        ours[i].first_route, bird[i].first_route, ours[i].gobgpd_cpu, bird[i].gobgpd_cpu,
        ours[i].cpu, bird[i].cpu);
  }
  // The machine's load moves gobgpd's preparation (most of either time) by seconds from one
  // run to the next: the median of the rounds' ratios is the figure to compare with 1.0.
  std::vector<double> ratios;
  for (size_t i = 0; i < ours.size(); ++i) ratios.push_back(ours[i].seconds / bird[i].seconds);
  std::sort(ratios.begin(), ratios.end());
  if (!ratios.empty()) {
    std::printf("median time ratio %.2f (best %.2f, worst %.2f, %zu rounds)\n",
                ratios[ratios.size() / 2], ratios.front(), ratios.back(), ratios.size());
  }
  std::printf(
      "(ours: time from Established; RSS is the whole benchmark process, before the "
      "speaker started:");
  for (const Figures& f : ours) std::printf(" %.1f", f.baseline_rss_mib);
  std::printf(" MiB)\n");
  if (!ours.empty() && !ours[0].batches.empty()) ReportOursDetail(ours, bird);
}

void Part(const std::string& title, uint32_t count, uint8_t length, bool install, int rounds) {
  Lab lab;
  MrtTable table;
  table.count = count;
  table.length = length;
  table.next_hop = 0;  // gobgpd then sends each peer its own address on that link
  lab.LoadRoutes(table);
  std::vector<Figures> ours, bird;
  for (int r = 0; r < rounds; ++r) {
    lab.WaitGobgpdIdle("198.51.100.1");
    double cpu = LiveCpuSeconds(lab.gobgpd->pid());
    ours.push_back(RunOurs(lab, table, install));
    ours.back().gobgpd_cpu = LiveCpuSeconds(lab.gobgpd->pid()) - cpu;
    lab.WaitGobgpdIdle("192.0.2.1");
    cpu = LiveCpuSeconds(lab.gobgpd->pid());
    bird.push_back(RunBird(lab, count, install));
    bird.back().gobgpd_cpu = LiveCpuSeconds(lab.gobgpd->pid()) - cpu;
  }
  Report(title, ours, bird);
}

}  // namespace
}  // namespace kr::bench

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  int rounds = 1;
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--rounds") {
      rounds = std::max(1, std::atoi(args[i + 1].c_str()));
      args.erase(args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i) + 2);
      break;
    }
  }
  if (geteuid() != 0) {
    std::fprintf(stderr, "bgp_bench: needs root (network namespaces)\n");
    return 77;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  // One malloc arena: each round's speaker has a new io thread, and the arenas of finished
  // ones kept their pages (the RSS before a round grew by 35 MiB a round), which VmHWM then
  // counted as the next round's.
  mallopt(M_ARENA_MAX, 1);
  const std::string part = args.empty() ? "all" : args[0];
  auto count = [&](uint32_t fallback) {
    return args.size() > 1 ? static_cast<uint32_t>(std::stoul(args[1])) : fallback;
  };
  try {
    if (part == "receive" || part == "all") {
      const uint32_t n = count(100000);
      // /25s so that 100,000 distinct prefixes fit in 10.0.0.0/8.
      kr::bench::Part("receive " + std::to_string(n) +
                          " IPv4 routes from gobgpd into the Loc-RIB / BIRD's table",
                      n, 25, false, rounds);
    }
    if (part == "fib" || part == "all") {
      const uint32_t n = count(5000);
      kr::bench::Part(
          "learn " + std::to_string(n) + " node pod CIDRs (/24) and install them in the kernel FIB",
          n, 24, true, rounds);
    }
    if (part != "receive" && part != "fib" && part != "all") {
      std::fprintf(stderr, "usage: bgp_bench [receive [N] | fib [N]] [--rounds R]\n");
      return 2;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bgp_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
