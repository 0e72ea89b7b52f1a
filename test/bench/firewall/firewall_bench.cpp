// Firewall restore benchmark: the project's path (save + parse + plan + iptables-restore via
// OwnedChainSyncer; PlanIpsetSync + LibipsetClient::Restore) against the kernel's own cost
// (the same payload piped to iptables-restore / ipset restore), in the same run.
//
// Needs root. Every measurement runs in a fresh network namespace of this process
// (unshare(CLONE_NEWNET)), so the host's rules and sets are never touched and nothing is left
// behind when the process exits. See README.md for the command.
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "common/ipset/ipset_sync_plan.h"
#include "common/ipset/libipset_client.h"
#include "common/iptables/command.h"
#include "common/iptables/owned_chain_syncer.h"
#include "common/iptables/xtables_runner.h"

namespace kr {
namespace {

using Clock = std::chrono::steady_clock;
using iptables::Backend;
using iptables::IpFamily;

constexpr int kChains = 1000;
constexpr int kRulesPerChain = 20;
constexpr int kSetMembers = 5000;
constexpr int kRepeats = 3;

const iptables::Owner kOwner{"KR-B-", "kr-node:bench:"};

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "firewall_bench: %s\n", what.c_str());
  std::exit(1);
}

void FreshNetns() {
  if (unshare(CLONE_NEWNET) != 0) Die("unshare(CLONE_NEWNET) needs root");
}

double Millis(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// Median of kRepeats runs of `body`, each after `setup` (untimed) in a fresh namespace.
double Median(const std::function<void()>& setup, const std::function<void()>& body) {
  std::vector<double> runs;
  for (int i = 0; i < kRepeats; ++i) {
    FreshNetns();
    setup();
    auto start = Clock::now();
    body();
    runs.push_back(Millis(Clock::now() - start));
  }
  std::sort(runs.begin(), runs.end());
  return runs[runs.size() / 2];
}

// kube-router's shape: a top chain hooked into FORWARD jumping to one chain per pod, each
// with its rules.
iptables::DesiredRules PolicyRules(int changed_chain = -1) {
  iptables::DesiredRules desired;
  iptables::DesiredTable& filter = desired["filter"];
  std::vector<std::string>& top = filter.chains["KR-B-TOP"];
  for (int c = 0; c < kChains; ++c) {
    const std::string chain = "KR-B-POD-" + std::to_string(c);
    const std::string pod = "10.244." + std::to_string(c / 250) + "." + std::to_string(c % 250 + 1);
    top.push_back("-d " + pod + "/32 -j " + chain);
    std::vector<std::string>& rules = filter.chains[chain];
    for (int r = 0; r < kRulesPerChain - 1; ++r) {
      const int port = 1000 + r + (c == changed_chain ? 5000 : 0);
      rules.push_back("-s 192.0.2." + std::to_string(r + 1) + "/32 -p tcp -m tcp --dport " +
                      std::to_string(port) + " -j ACCEPT");
    }
    rules.push_back("-j DROP");
  }
  filter.jumps.push_back({"FORWARD", iptables::MakeJumpRule(kOwner, "top", "", "KR-B-TOP")});
  return desired;
}

std::size_t RuleCount(const iptables::DesiredRules& desired) {
  std::size_t n = 0;
  for (const auto& [table, wanted] : desired) {
    for (const auto& [chain, rules] : wanted.chains) n += rules.size();
    n += wanted.jumps.size();
  }
  return n;
}

void Report(const char* what, double ours, double reference) {
  std::printf("  %-44s %9.1f ms   reference %9.1f ms   ratio %5.2f\n", what, ours, reference,
              ours / reference);
}

void BenchIptables(Backend backend) {
  iptables::XtablesRunner runner(backend);
  iptables::OwnedChainSyncer syncer(runner, IpFamily::kIPv4, kOwner);
  const iptables::DesiredRules desired = PolicyRules();
  const iptables::DesiredRules one_changed = PolicyRules(kChains / 2);
  auto must = [](Expected<iptables::RestorePlan> result, const char* what) {
    if (!result.ok()) Die(std::string(what) + ": " + result.error().message);
    return std::move(*result);
  };
  // The reference payload is exactly what the syncer writes on a first sync.
  const std::string payload = must(syncer.Sync(desired, {.dry_run = true}), "plan").payload;
  const std::string restore = runner.Tool(IpFamily::kIPv4, "restore");
  auto plain_restore = [&] {
    auto result = iptables::RunCommand({restore, "--noflush"}, payload);
    if (!result.ok() || result->exit_code != 0) Die(restore + " failed");
  };

  std::printf("iptables, %s backend, %zu rules in %d chains:\n",
              std::string(iptables::BackendName(backend)).c_str(), RuleCount(desired), kChains + 1);
  const double reference = Median([] {}, plain_restore);
  Report("full sync into empty tables", Median([] {}, [&] { must(syncer.Sync(desired), "sync"); }),
         reference);
  Report("no-op sync (all in place)",
         Median([&] { must(syncer.Sync(desired), "sync"); },
                [&] {
                  if (!must(syncer.Sync(desired), "sync").empty()) {
                    Die("no-op sync wrote rules");
                  }
                }),
         reference);
  Report("one chain of 1000 changed",
         Median([&] { must(syncer.Sync(desired), "sync"); },
                [&] {
                  auto plan = must(syncer.Sync(one_changed), "sync");
                  if (plan.rewritten_chains.size() != 1) {
                    Die("more than one chain rewritten");
                  }
                }),
         reference);
  Report("one chain changed, trusting last-known state",
         Median([&] { must(syncer.Sync(desired), "sync"); },
                [&] {
                  auto plan = must(syncer.Sync(one_changed, {.trust_last_known = true}), "sync");
                  if (plan.rewritten_chains.size() != 1) Die("more than one chain rewritten");
                }),
         reference);
}

void BenchIpset() {
  std::vector<ipset::SetContent> desired(1);
  desired[0].spec = {"KR-B-PEERS", ipset::SetType::kHashIp, ipset::Family::kInet};
  for (int i = 0; i < kSetMembers; ++i) {
    desired[0].members.insert("10." + std::to_string(i / 65536) + "." +
                              std::to_string(i / 256 % 256) + "." + std::to_string(i % 256));
  }
  const std::string text = ipset::PlanIpsetSync(desired, {}, "KR-B-").before_rules.ToRestoreText();
  std::unique_ptr<ipset::LibipsetClient> client;
  auto open = [&] {
    auto opened = ipset::LibipsetClient::Open();  // binds to the namespace of this run
    if (!opened.ok()) Die(opened.error().message);
    client = std::move(*opened);
  };
  auto sync = [&] {
    auto listed = client->List("KR-B-");
    if (!listed.ok()) Die(listed.error().message);
    ipset::IpsetSyncPlan plan = ipset::PlanIpsetSync(desired, *listed, "KR-B-");
    if (Status s = client->Restore(plan.before_rules); !s) Die(s.error().message);
    return plan.before_rules.size();
  };
  std::printf("ipset, one hash:ip set of %d members:\n", kSetMembers);
  const double reference = Median([] {},
                                  [&] {
                                    auto result = iptables::RunCommand({"ipset", "restore"}, text);
                                    if (!result.ok() || result->exit_code != 0)
                                      Die("ipset restore failed");
                                  });
  Report("full sync (list, plan, restore)", Median(open, [&] { sync(); }), reference);
  auto open_and_sync = [&] {
    open();
    sync();
  };
  Report("no-op sync (list, plan)",
         Median(open_and_sync,
                [&] {
                  if (sync() != 0) Die("no-op ipset sync wrote");
                }),
         reference);
}

}  // namespace
}  // namespace kr

int main() {
  if (geteuid() != 0) kr::Die("needs root (it works in its own network namespaces)");
  kr::FreshNetns();  // even the untimed planning never reads the host's rules
  std::printf("median of %d runs, each in a fresh network namespace\n", kr::kRepeats);
  kr::BenchIptables(kr::Backend::kLegacy);
  kr::BenchIptables(kr::Backend::kNft);
  kr::BenchIpset();
  return 0;
}
