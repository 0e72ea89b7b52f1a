// The seam between rule users and the kernel's policy routing rules. Every call returns the
// kernel's errno as a value:
//   AddRule     EEXIST when an equal rule exists
//   DeleteRule  ENOENT when no equal rule exists
//   DumpRules   every rule of the family, ours or not (callers select theirs, e.g. by priority
//               and table), including the kernel's defaults (local, main, default)
//
// Threading: not thread-safe; one owner. NetlinkRuleKernel talks to the network namespace of
// the thread that called Create, for its whole life.
#pragma once

#include <vector>

#include "common/base/expected.h"
#include "common/route/netlink_socket.h"
#include "common/route/rule_types.h"

namespace kr::route {

class RuleKernel {
 public:
  virtual ~RuleKernel() = default;
  virtual Status AddRule(const Rule& rule) = 0;
  virtual Status DeleteRule(const Rule& rule) = 0;
  virtual Expected<std::vector<Rule>> DumpRules(int family) = 0;
};

class NetlinkRuleKernel final : public RuleKernel {
 public:
  static Expected<NetlinkRuleKernel> Create();

  Status AddRule(const Rule& rule) override;
  Status DeleteRule(const Rule& rule) override;
  Expected<std::vector<Rule>> DumpRules(int family) override;

 private:
  explicit NetlinkRuleKernel(NetlinkSocket socket) : socket_(std::move(socket)) {}
  Status Transact(bool add, const Rule& rule);

  NetlinkSocket socket_;
};

}  // namespace kr::route
