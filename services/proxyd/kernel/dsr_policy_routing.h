// The node side of DSR routing, as kube-router sets it up: the external IPs of DSR services
// are on no interface (a "VIP-less director"), so packets to them would be forwarded, not
// delivered to IPVS. The iptables glue marks them (DsrTarget::fwmark); here
//   ip rule add prio 32764 fwmark <mark> table 78          one per mark in use
//   ip route add local default dev lo table 78             per family, while any mark is
// make marked packets local, where IPVS's fwmark service takes them. Table 78 is kube-router's
// "kube-router-dsr" table and 32764 its priority, so a node switched from kube-router adopts
// its rules. Rules at that priority and table whose mark `owns_mark` accepts are ours: a mark
// no longer wanted is deleted; other rules there are never touched.
//
//   DsrPolicyRouting routing(rules, {.owns_mark = IsDsrFwmark});
//   routing.Sync({{AF_INET, 0x01000abc}}, /*full=*/true);  // dump, then add/delete what differs
//   routing.Cleanup();                                     // every rule of ours and the routes
//
// A non-full Sync trusts what it last wrote; a full one dumps the rules (drift repair).
// Threading: not thread-safe; one owner. The kernels must outlive it.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <utility>

#include "common/base/expected.h"
#include "common/route/netlink_socket.h"
#include "common/route/rule_kernel.h"

namespace kr::proxyd {

inline constexpr uint32_t kDsrRouteTable = 78;
inline constexpr uint32_t kDsrRulePriority = 32764;

// The `local default dev lo` route of one table, per family: present or not.
class LocalDefaultRoutes {
 public:
  virtual ~LocalDefaultRoutes() = default;
  // Adds it; an existing one is success.
  virtual Status Ensure(int family, uint32_t table) = 0;
  // Removes it; an absent one is success.
  virtual Status Remove(int family, uint32_t table) = 0;
};

// Over rtnetlink, in the network namespace of the thread that called Open.
class NetlinkLocalDefaultRoutes final : public LocalDefaultRoutes {
 public:
  static Expected<NetlinkLocalDefaultRoutes> Open();
  Status Ensure(int family, uint32_t table) override;
  Status Remove(int family, uint32_t table) override;

 private:
  explicit NetlinkLocalDefaultRoutes(route::NetlinkSocket socket) : socket_(std::move(socket)) {}
  route::NetlinkSocket socket_;
};

struct DsrPolicyRoutingOptions {
  std::function<bool(uint32_t)> owns_mark;
  bool dry_run = false;  // log the writes instead
};

class DsrPolicyRouting {
 public:
  using Mark = std::pair<int, uint32_t>;  // (family, fwmark)

  DsrPolicyRouting(route::RuleKernel& rules, LocalDefaultRoutes& routes,
                   DsrPolicyRoutingOptions options);

  // Returns the first failure; the rest is still attempted and retried by the next Sync.
  Status Sync(const std::set<Mark>& marks, bool full);
  Status Cleanup();

  const std::set<Mark>& applied() const { return applied_; }

 private:
  route::Rule RuleFor(const Mark& mark) const;
  // Our marks in the kernel's rules of both families.
  Expected<std::set<Mark>> DumpOurs();

  route::RuleKernel& rules_;
  LocalDefaultRoutes& routes_;
  DsrPolicyRoutingOptions options_;
  std::set<Mark> applied_;
  std::set<int> routed_families_;  // families whose local route we added
  bool trusted_ = false;           // applied_ is what the kernel holds
};

}  // namespace kr::proxyd
