#include "common/iptables/fake_iptables_runner.h"

#include "common/iptables/restore_interpreter.h"

namespace kr::iptables {
namespace {

Table BuiltinChains(std::string name, std::initializer_list<const char*> chains) {
  Table table{std::move(name), {}};
  for (const char* chain : chains) table.chains.push_back(Chain{chain, true, {}});
  return table;
}

}  // namespace

FakeIptablesRunner::FakeIptablesRunner() {
  for (Ruleset* rules : {&ipv4_, &ipv6_}) {
    rules->tables.push_back(BuiltinChains("filter", {"INPUT", "FORWARD", "OUTPUT"}));
    rules->tables.push_back(BuiltinChains("nat", {"PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"}));
  }
}

Expected<std::string> FakeIptablesRunner::Save(IpFamily family) {
  ++save_calls_;
  return FormatIptablesSave(rules(family));
}

Status FakeIptablesRunner::Restore(IpFamily family, std::string_view payload) {
  ++restore_calls_;
  return ApplyRestorePayload(rules(family), payload,
                             family == IpFamily::kIPv4 ? "iptables-restore" : "ip6tables-restore",
                             RestoreChecks::kLikeKernel);
}

}  // namespace kr::iptables
