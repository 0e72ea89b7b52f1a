// proxyd's incremental path: the cost of one endpoint change with 100 and with 10,000
// services present (target: flat, at most 1.5x, and at most 2 netlink messages). Two
// kernels: NullIpvsKernel accepts every write at no cost, so only proxyd's own work is timed
// (the real kernel's IPVS tables are hashed, its side is measured in the VM tier);
// FakeIpvsKernel adds the in-memory fake's std::map bookkeeping. Also prints the cold full
// sync for scale.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "common/ipvs/fake_ipvs_kernel.h"
#include "services/proxyd/core/proxy_core.h"
#include "test/bench/proxyd/bench_cluster.h"

namespace kr::proxyd {
namespace {

constexpr int kEndpointsPerService = 10;
constexpr int kChanges = 200000;
constexpr int kRounds = 20;

using bench::Endpoints;
using bench::Service;

// Accepts every write, holds nothing: a dump is empty, so a full sync adds everything.
class NullIpvsKernel final : public ipvs::IpvsKernel {
 public:
  Status AddService(const ipvs::Service&) override { return Count(); }
  Status UpdateService(const ipvs::Service&) override { return Count(); }
  Status DeleteService(const ipvs::ServiceKey&) override { return Count(); }
  Status Flush() override { return Count(); }
  Expected<ipvs::ServiceEntry> GetService(const ipvs::ServiceKey&) override {
    ++messages_;
    return Error{ESRCH, "null kernel"};
  }
  Expected<std::vector<ipvs::ServiceEntry>> ListServices() override {
    ++messages_;
    return std::vector<ipvs::ServiceEntry>{};
  }
  Status AddDestination(const ipvs::ServiceKey&, const ipvs::Destination&) override {
    return Count();
  }
  Status UpdateDestination(const ipvs::ServiceKey&, const ipvs::Destination&) override {
    return Count();
  }
  Status DeleteDestination(const ipvs::ServiceKey&, const ipvs::DestinationKey&) override {
    return Count();
  }
  Expected<std::vector<ipvs::DestinationEntry>> ListDestinations(const ipvs::ServiceKey&) override {
    ++messages_;
    return std::vector<ipvs::DestinationEntry>{};
  }
  uint64_t messages_sent() const { return messages_; }

 private:
  Status Count() {
    ++messages_;
    return Status::Ok();
  }
  uint64_t messages_ = 0;
};

struct Result {
  double full_sync_ms = 0;
  double change_us = 0;
  double ops_per_change = 0;
  double messages_per_change = 0;
};

// One node's proxy with `services` services, fully synced, ready to take changes.
template <typename Kernel>
class Bench {
 public:
  explicit Bench(int services) : core_(Options()) {
    for (int i = 0; i < services; ++i) {
      core_.UpsertService(Service(i));
      core_.UpsertEndpoints(Endpoints(i, kEndpointsPerService));
    }
    auto start = Clock::now();
    SyncReport full = core_.FullSync(kernel_, start);
    result_.full_sync_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (!full.failures.empty()) std::fprintf(stderr, "full sync had failures\n");
    // Each change replaces one endpoint of one service (two ops: add the new, delete the
    // old); the next visit puts it back. Services are visited in a scattered order.
    for (int k = 0; k < kDistinct; ++k) {
      int i = static_cast<int>((static_cast<long>(k) * 7919) % services);
      variants_[0].push_back(Endpoints(i, kEndpointsPerService));
      variants_[1].push_back(Endpoints(i, kEndpointsPerService, 1));
    }
    result_.change_us = 1e300;
  }

  // Times `changes` changes; the result keeps the fastest round (the machine is shared).
  void Round(int changes) {
    uint64_t messages_before = kernel_.messages_sent();
    size_t ops = 0;
    auto start = Clock::now();
    for (int c = 0; c < changes; ++c, ++done_) {
      int k = done_ % kDistinct;
      const model::Endpoints& next = variants_[(done_ / kDistinct + 1) % 2][k];
      std::string key = next.Key();
      core_.UpsertEndpoints(next);
      ops += core_.SyncService(key, kernel_, start).ops.size();
    }
    double elapsed_us = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    result_.change_us = std::min(result_.change_us, elapsed_us / changes);
    result_.ops_per_change = static_cast<double>(ops) / changes;
    result_.messages_per_change =
        static_cast<double>(kernel_.messages_sent() - messages_before) / changes;
  }

  const Result& result() const { return result_; }

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr int kDistinct = 64;

  static ProxyOptions Options() {
    ProxyOptions options;
    options.node_name = "node-a";
    return options;
  }

  Kernel kernel_;
  ProxyCore core_;
  std::vector<model::Endpoints> variants_[2];
  long done_ = 0;
  Result result_;
};

// Rounds of both sizes alternate, so background load hits both alike.
template <typename Kernel>
std::pair<Result, Result> Run() {
  Bench<Kernel> small(100);
  Bench<Kernel> large(10000);
  for (int round = 0; round < kRounds; ++round) {
    small.Round(kChanges / kRounds);
    large.Round(kChanges / kRounds);
  }
  return {small.result(), large.result()};
}

void Report(const char* kernel_name, const Result& small, const Result& large, bool& ok) {
  std::printf(
      "%s (per change: fastest of %d rounds)\n  services  full-sync(ms)  per-change(us)  "
      "ops/change  messages/change\n",
      kernel_name, kRounds);
  for (auto [n, r] : {std::pair{100, small}, std::pair{10000, large}}) {
    std::printf("  %8d  %13.1f  %14.2f  %10.2f  %15.2f\n", n, r.full_sync_ms, r.change_us,
                r.ops_per_change, r.messages_per_change);
  }
  double ratio = large.change_us / small.change_us;
  std::printf("  ratio 10000/100 per change: %.2f (target <= 1.5)\n", ratio);
  ok = ok && ratio <= 1.5 && large.messages_per_change <= 2.0;
}

}  // namespace
}  // namespace kr::proxyd

int main() {
  using namespace kr::proxyd;
  bool ok = true;
  auto [null_small, null_large] = Run<NullIpvsKernel>();
  Report("proxyd only (NullIpvsKernel)", null_small, null_large, ok);
  auto [fake_small, fake_large] = Run<kr::ipvs::FakeIpvsKernel>();
  bool fake_ok = true;
  Report("proxyd + FakeIpvsKernel", fake_small, fake_large, fake_ok);
  return ok ? 0 : 1;
}
