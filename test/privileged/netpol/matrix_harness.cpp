#include "test/privileged/netpol/matrix_harness.h"

#include <arpa/inet.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <iomanip>
#include <sstream>

#include "services/policyd/core/test_objects.h"

namespace kr::netpol_test {
namespace {

using namespace policyd::testing;

std::vector<PodEndpoint> Endpoints(const std::vector<model::Pod>& pods) {
  std::vector<PodEndpoint> out;
  for (const auto& pod : pods) out.push_back({pod.ns, pod.name, pod.ips.front()});
  return out;
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return text;
}

}  // namespace

std::string InFamily(const std::string& v4, bool v6) {
  if (!v6) return v4;
  auto slash = v4.find('/');
  in_addr addr{};
  if (inet_pton(AF_INET, v4.substr(0, slash).c_str(), &addr) != 1) return v4;
  unsigned char bytes[16] = {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00};
  std::memcpy(bytes + 12, &addr, 4);
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, bytes, text, sizeof(text));
  std::string out = text;
  if (slash != std::string::npos) out += "/" + std::to_string(96 + std::stoi(v4.substr(slash + 1)));
  return out;
}

model::NetworkPolicyRule Rule(std::vector<model::NetworkPolicyPeer> peers,
                              std::vector<model::NetworkPolicyPort> ports) {
  return model::NetworkPolicyRule{std::move(ports), std::move(peers)};
}

MatrixHarness::MatrixHarness(std::vector<model::Pod> pods, std::vector<ProbePort> ports,
                             iptables::Backend backend, bool v6)
    : v6_(v6),
      pods_(std::move(pods)),
      ports_(std::move(ports)),
      network_(Endpoints(pods_), ports_),
      runner_(backend),
      tool_(std::string(v6 ? "ip6tables-" : "iptables-") +
            (backend == iptables::Backend::kNft ? "nft" : "legacy")) {
  const std::string foreign = v6 ? "2001:db8:ee::/48" : "203.0.113.0/24";
  foreign_rules_ = {"-A FORWARD -s " + foreign + " -j FOREIGN",
                    "-A FOREIGN -s " + foreign + " -j ACCEPT"};
  auto opened = network_.node().Run([] { return ipset::LibipsetClient::Open(); });
  if (!opened.ok()) throw std::runtime_error("libipset: " + opened.error().message);
  ipset_ = std::move(*opened);
  // Another owner's chain and rule, which no sync may touch.
  network_.node().ExecOrThrow({tool_, "-N", "FOREIGN"});
  network_.node().ExecOrThrow({tool_, "-A", "FOREIGN", "-s", foreign, "-j", "ACCEPT"});
  network_.node().ExecOrThrow({tool_, "-A", "FORWARD", "-s", foreign, "-j", "FOREIGN"});
}

MatrixHarness::~MatrixHarness() {
  if (syncer_) {
    Status cleaned = network_.node().Run([&] { return syncer_->Cleanup(); });
    if (!cleaned.ok()) std::fprintf(stderr, "cleanup: %s\n", cleaned.error().message.c_str());
  }
}

void MatrixHarness::Reset(policyd::CompilerOptions options,
                          const std::vector<std::string>& unsynced) {
  options.node_name = "node-1";
  options.ipv4 = !v6_;
  options.ipv6 = v6_;
  options.nflog_drops = true;
  compiler_.emplace(options);
  syncer_.emplace(runner_, *ipset_, options);
  synced_ = false;
  world_ = OracleWorld{};
  world_.legacy_namespace_isolation = options.legacy_namespace_isolation;
  world_.default_deny = options.default_deny;
  world_.pod_cidr = Net("198.51.100.0/24");
  for (std::string ns : {"x", "y", "z"}) UpsertNamespace(MakeNamespace(ns, {{"ns", ns}}));
  for (const auto& pod : pods_) {
    if (std::find(unsynced.begin(), unsynced.end(), pod.Key()) == unsynced.end()) {
      UpsertPod(pod);
    }
  }
}

void MatrixHarness::UpsertNamespace(const model::Namespace& ns) {
  compiler_->UpsertNamespace(ns);
  world_.namespaces[ns.name] = ns;
}

void MatrixHarness::UpsertPod(const model::Pod& pod) {
  compiler_->UpsertPod(pod);
  world_.pods[pod.Key()] = pod;
}

void MatrixHarness::DeletePod(const std::string& key) {
  compiler_->DeletePod(key);
  world_.pods.erase(key);
}

void MatrixHarness::UpsertPolicy(const model::NetworkPolicy& policy) {
  compiler_->UpsertPolicy(policy);
  world_.policies[policy.Key()] = policy;
}

void MatrixHarness::DeletePolicy(const std::string& key) {
  compiler_->DeletePolicy(key);
  world_.policies.erase(key);
}

void MatrixHarness::DeleteAllPolicies() {
  auto policies = world_.policies;
  for (const auto& [key, policy] : policies) DeletePolicy(key);
}

void MatrixHarness::Apply() {
  // After the first sync of a compiler, changes go in as deltas, as the daemon writes events;
  // the full sync that follows re-reads the kernel and must find nothing to change.
  if (synced_) {
    policyd::FirewallDelta delta = compiler_->CompileDelta();
    auto written = network_.node().Run([&] { return syncer_->ApplyDelta(delta); });
    INFO((written.ok() ? "" : written.error().message));
    REQUIRE(written.ok());
  }
  policyd::CompiledFirewall desired = compiler_->Compile();
  auto synced = network_.node().Run([&] { return syncer_->Sync(desired); });
  INFO((synced.ok() ? "" : synced.error().message));
  REQUIRE(synced.ok());
  if (synced_) {
    CHECK(synced->plans[v6_ ? 1 : 0].payload == "");
    CHECK(synced->ipset_commands == 0);
  }
  synced_ = true;
  auto again = network_.node().Run([&] { return syncer_->Sync(desired); });
  REQUIRE(again.ok());
  CHECK(again->plans[v6_ ? 1 : 0].empty());
  CHECK(again->ipset_commands == 0);
  std::string saved = network_.node().ExecOrThrow({tool_ + "-save"});
  for (const std::string& rule : foreign_rules_) CHECK(saved.find(rule) != std::string::npos);
}

void MatrixHarness::Expect(const std::string& scenario, bool expect_some_blocked) {
  Apply();
  const auto& pods = network_.pods();
  PodNetwork::Grid expected(pods.size(), std::vector<std::vector<bool>>(pods.size()));
  int blocked = 0;
  for (std::size_t s = 0; s < pods.size(); ++s) {
    for (std::size_t d = 0; d < pods.size(); ++d) {
      expected[s][d].assign(ports_.size(), true);
      if (s == d) continue;
      for (std::size_t p = 0; p < ports_.size(); ++p) {
        bool allowed =
            Allowed(world_, Find(pods[s]), Find(pods[d]), ports_[p].port, ports_[p].protocol);
        expected[s][d][p] = allowed;
        blocked += allowed ? 0 : 1;
      }
    }
  }
  CHECK((blocked > 0) == expect_some_blocked);  // the scenario exercises what it claims
  PodNetwork::Grid observed = network_.Probe(ports_, probe_timeout_ms);
  int mismatches = 0;
  for (std::size_t s = 0; s < pods.size(); ++s) {
    for (std::size_t d = 0; d < pods.size(); ++d) {
      for (std::size_t p = 0; p < ports_.size(); ++p) {
        if (observed[s][d][p] == expected[s][d][p]) continue;
        observed[s][d][p] = network_.ProbeOne(s, d, ports_[p], recheck_timeout_ms);
        if (observed[s][d][p] != expected[s][d][p]) ++mismatches;
      }
    }
  }
  INFO("scenario: " << scenario << "\n"
                    << Format("expected", expected) << Format("observed", observed));
  CHECK(mismatches == 0);
  ++scenarios_;
}

bool MatrixHarness::NodeReaches(std::size_t pod) const {
  return network_.ProbeFromNode(pod, ports_[0], probe_timeout_ms) ||
         network_.ProbeFromNode(pod, ports_[0], recheck_timeout_ms);
}

void MatrixHarness::CheckCleanup() {
  REQUIRE(syncer_);
  Status cleaned = network_.node().Run([&] { return syncer_->Cleanup(); });
  INFO((cleaned.ok() ? "" : cleaned.error().message));
  REQUIRE(cleaned.ok());
  syncer_.reset();
  std::string saved = network_.node().ExecOrThrow({tool_ + "-save"});
  CHECK(saved.find("KR-POL") == std::string::npos);
  for (const std::string& rule : foreign_rules_) CHECK(saved.find(rule) != std::string::npos);
  auto sets = ipset_->List("KR-POL-");
  REQUIRE(sets.ok());
  CHECK(sets->empty());
}

Endpoint MatrixHarness::Find(const PodEndpoint& pod) const {
  auto it = world_.pods.find(pod.ns + "/" + pod.name);
  return Endpoint{pod.ip, it == world_.pods.end() ? nullptr : &it->second};
}

std::string MatrixHarness::Format(const std::string& title, const PodNetwork::Grid& grid) const {
  std::ostringstream out;
  out << title << " (row -> column:";
  for (const ProbePort& port : ports_) out << " " << Lower(port.protocol) << port.port;
  out << ")\n     ";
  for (const auto& pod : network_.pods()) out << std::setw(5) << (pod.ns + "/" + pod.name);
  out << "\n";
  for (std::size_t s = 0; s < grid.size(); ++s) {
    const auto& src = network_.pods()[s];
    out << std::setw(5) << (src.ns + "/" + src.name);
    for (std::size_t d = 0; d < grid.size(); ++d) {
      std::string cell;
      for (bool ok : grid[s][d]) cell += s == d ? ' ' : (ok ? '#' : '.');
      out << std::setw(5) << cell;
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace kr::netpol_test
