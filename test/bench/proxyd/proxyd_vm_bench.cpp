// proxyd against the real kernel's IPVS (run inside the VM, see README.md):
//   1. cold sync of N services x 10 endpoints: ProxyCore::FullSync over NetlinkIpvsKernel
//      against `ipvsadm --restore` of the same table (the restore file is generated from the
//      same desired state), each in a fresh network namespace, best of the rounds; ratio;
//   2. one endpoint change with N services present against with 100: time per change and
//      netlink messages per change (NetlinkIpvsKernel::messages_sent()).
// Usage: proxyd_vm_bench [services=10000] [rounds=1] [changes=200]. Exits 1 when a target is
// missed (ratio > 1.0, change ratio > 1.5, more than 2 messages per change).
#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/ipvs/netlink_ipvs_kernel.h"
#include "services/proxyd/core/proxy_core.h"
#include "test/bench/proxyd/bench_cluster.h"

extern char** environ;

namespace kr::proxyd {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kEndpointsPerService = 10;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

using bench::Service;

model::Endpoints Endpoints(int i, int first_address = 0) {
  return bench::Endpoints(i, kEndpointsPerService, first_address);
}

ProxyOptions Options() {
  ProxyOptions options;
  options.node_name = "node-a";
  return options;
}

void Fill(ProxyCore& core, int services) {
  for (int i = 0; i < services; ++i) {
    core.UpsertService(Service(i));
    core.UpsertEndpoints(Endpoints(i));
  }
}

int Run(const std::vector<std::string>& args, const std::string& stdin_path = "") {
  std::vector<char*> argv;
  std::vector<std::string> copy = args;
  for (auto& arg : copy) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!stdin_path.empty()) {
    posix_spawn_file_actions_addopen(&actions, 0, stdin_path.c_str(), O_RDONLY, 0);
  }
  pid_t pid = -1;
  int err = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0) throw std::runtime_error("spawn " + args[0] + " failed");
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The calling process moves to a fresh network namespace with lo up (IPVS tables are per
// namespace; IPVS refuses destinations while the namespace has no local address).
void FreshNamespace() {
  if (unshare(CLONE_NEWNET) != 0) throw std::runtime_error("unshare(CLONE_NEWNET) failed");
  if (Run({"ip", "link", "set", "lo", "up"}) != 0) throw std::runtime_error("lo up failed");
}

// ipvsadm's restore format for the same desired state ProxyCore computes (the same function,
// ComputeServiceDesired, on the same objects).
std::string RestoreText(int services, size_t& lines) {
  const ProxyOptions options = Options();
  DsrFwmarkAllocator fwmarks;
  std::string text;
  lines = 0;
  for (int i = 0; i < services; ++i) {
    const model::Endpoints endpoints = Endpoints(i);
    auto desired = ComputeServiceDesired(Service(i), &endpoints, options, {}, fwmarks);
    if (!desired) throw std::runtime_error(desired.error().message);
    for (const auto& [vs_key, vs] : desired->virtual_services) {
      const std::string address = vs_key.address.ToString() + ":" + std::to_string(vs_key.port);
      text += "-A -t " + address + " -s " + vs.service.scheduler + "\n";
      ++lines;
      for (const auto& [destination_key, destination] : vs.destinations) {
        text += "-a -t " + address + " -r " + destination.address.ToString() + ":" +
                std::to_string(destination.port) + " -m -w " + std::to_string(destination.weight) +
                "\n";
        ++lines;
      }
    }
  }
  return text;
}

std::unique_ptr<ipvs::NetlinkIpvsKernel> OpenKernel() {
  auto kernel = ipvs::NetlinkIpvsKernel::Open();
  if (!kernel) throw std::runtime_error("IPVS: " + kernel.error().message);
  return std::move(*kernel);
}

double RestoreRound(const std::string& path) {
  FreshNamespace();
  auto start = Clock::now();
  if (Run({"ipvsadm", "--restore"}, path) != 0) throw std::runtime_error("ipvsadm --restore");
  double seconds = SecondsSince(start);
  Run({"ipvsadm", "-C"});
  return seconds;
}

struct OursResult {
  double seconds = 0;
  uint64_t messages = 0;
};

OursResult OursRound(int services) {
  FreshNamespace();
  auto kernel = OpenKernel();
  ProxyCore core(Options());
  Fill(core, services);
  const uint64_t before = kernel->messages_sent();
  auto start = Clock::now();
  SyncReport report = core.FullSync(*kernel, start);
  OursResult result{SecondsSince(start), kernel->messages_sent() - before};
  if (!report.read_status || !report.failures.empty()) {
    throw std::runtime_error("full sync failed: " + (report.failures.empty()
                                                         ? report.read_status.error().message
                                                         : report.failures[0].error.message));
  }
  (void)kernel->Flush();
  return result;
}

struct ChangeResult {
  double micros_per_change = 1e300;  // fastest round
  double messages_per_change = 0;
};

// One node's proxy with `services` services fully synced, in a namespace of its own (the
// netlink socket stays bound to it), ready to take changes.
class ChangeBench {
 public:
  explicit ChangeBench(int services) : services_(services), core_(Options()) {
    FreshNamespace();
    kernel_ = OpenKernel();
    Fill(core_, services);
    SyncReport full = core_.FullSync(*kernel_, Clock::now());
    if (!full.failures.empty()) throw std::runtime_error("full sync failed");
  }
  ~ChangeBench() { (void)kernel_->Flush(); }

  // Each change replaces one endpoint of one service (the next visit puts it back).
  void Round(int changes) {
    const uint64_t before = kernel_->messages_sent();
    auto start = Clock::now();
    for (int c = 0; c < changes; ++c, ++done_) {
      const int i = static_cast<int>((static_cast<long>(done_ % 64) * 7919) % services_);
      model::Endpoints next = Endpoints(i, (done_ / 64) % 2 == 0 ? 1 : 0);
      const std::string key = next.Key();
      core_.UpsertEndpoints(std::move(next));
      SyncReport report = core_.SyncService(key, *kernel_, Clock::now());
      if (!report.failures.empty()) throw std::runtime_error("change failed");
    }
    result_.micros_per_change =
        std::min(result_.micros_per_change, SecondsSince(start) * 1e6 / changes);
    result_.messages_per_change = static_cast<double>(kernel_->messages_sent() - before) / changes;
  }
  const ChangeResult& result() const { return result_; }

 private:
  int services_;
  ProxyCore core_;
  std::unique_ptr<ipvs::NetlinkIpvsKernel> kernel_;
  long done_ = 0;
  ChangeResult result_;
};

}  // namespace
}  // namespace kr::proxyd

int main(int argc, char** argv) {
  using namespace kr::proxyd;
  const int services = argc > 1 ? std::stoi(argv[1]) : 10000;
  const int rounds = argc > 2 ? std::stoi(argv[2]) : 1;
  const int changes = argc > 3 ? std::stoi(argv[3]) : 200;
  const char* path = "/tmp/proxyd-vm-bench.restore";
  try {
    size_t lines = 0;
    {
      std::ofstream out(path);
      out << RestoreText(services, lines);
    }
    std::printf("proxyd VM benchmark: %d services x %d endpoints, %zu IPVS entries\n", services,
                kEndpointsPerService, lines);
    double restore_best = 1e300, ours_best = 1e300;
    uint64_t ours_messages = 0;
    for (int round = 0; round < rounds; ++round) {
      // Alternate the order, so a trend in the machine's load hits both alike.
      const bool restore_first = round % 2 == 0;
      if (restore_first) restore_best = std::min(restore_best, RestoreRound(path));
      OursResult ours = OursRound(services);
      ours_best = std::min(ours_best, ours.seconds);
      ours_messages = ours.messages;
      if (!restore_first) restore_best = std::min(restore_best, RestoreRound(path));
      std::fflush(stdout);
    }
    const double cold_ratio = ours_best / restore_best;
    std::printf(
        "cold sync (best of %d): proxyd %.2f s (%llu netlink messages), "
        "ipvsadm --restore %.2f s (%zu commands); ratio %.2f (target <= 1.0)\n",
        rounds, ours_best, static_cast<unsigned long long>(ours_messages), restore_best, lines,
        cold_ratio);
    std::fflush(stdout);

    // Both tables side by side; rounds alternate between them so load hits both alike.
    ChangeBench small_bench(100);
    ChangeBench large_bench(services);
    constexpr int kChangeRounds = 10;
    for (int round = 0; round < kChangeRounds; ++round) {
      small_bench.Round(std::max(1, changes / kChangeRounds));
      large_bench.Round(std::max(1, changes / kChangeRounds));
    }
    const ChangeResult& small = small_bench.result();
    const ChangeResult& large = large_bench.result();
    const double change_ratio = large.micros_per_change / small.micros_per_change;
    std::printf(
        "one endpoint change (fastest of 10 rounds): %d services %.1f us, %.2f messages; "
        "100 services %.1f us, "
        "%.2f messages; ratio %.2f (target <= 1.5, messages <= 2)\n",
        services, large.micros_per_change, large.messages_per_change, small.micros_per_change,
        small.messages_per_change, change_ratio);
    std::remove(path);
    const bool ok = cold_ratio <= 1.0 && change_ratio <= 1.5 && large.messages_per_change <= 2.0;
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "proxyd_vm_bench: %s\n", e.what());
    std::remove(path);
    return 2;
  }
}
