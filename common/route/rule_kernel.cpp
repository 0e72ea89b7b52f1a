#include "common/route/rule_kernel.h"

#include "common/route/rule_codec.h"

namespace kr::route {

Expected<NetlinkRuleKernel> NetlinkRuleKernel::Create() {
  auto socket = NetlinkSocket::Open();
  if (!socket) return socket.error();
  return NetlinkRuleKernel(std::move(*socket));
}

Status NetlinkRuleKernel::AddRule(const Rule& rule) {
  return Transact(true, rule);
}

Status NetlinkRuleKernel::DeleteRule(const Rule& rule) {
  return Transact(false, rule);
}

Status NetlinkRuleKernel::Transact(bool add, const Rule& rule) {
  auto request = BuildRuleRequest(add, rule);
  if (!request) return request.error();
  std::vector<std::vector<uint8_t>> requests;
  requests.push_back(std::move(*request));
  Status answer = socket_.Transact(std::move(requests)).front();
  if (answer) return answer;
  Error error = answer.error();
  error.message =
      std::string(add ? "add rule " : "delete rule ") + rule.ToString() + ": " + error.message;
  return error;
}

Expected<std::vector<Rule>> NetlinkRuleKernel::DumpRules(int family) {
  std::vector<Rule> rules;
  Status status = socket_.Dump(BuildRuleDumpRequest(family), [&](const nlmsghdr* message) {
    auto parsed = ParseRuleMessage(message);
    if (!parsed) return Status(parsed.error());
    if (parsed->has_value() && (*parsed)->family == family) rules.push_back(**parsed);
    return Status::Ok();
  });
  if (!status) return Error{status.error().code, "dump rules: " + status.error().message};
  return rules;
}

}  // namespace kr::route
