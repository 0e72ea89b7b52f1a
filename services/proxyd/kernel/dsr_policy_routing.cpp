#include "services/proxyd/kernel/dsr_policy_routing.h"

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include "common/log/log.h"

namespace kr::proxyd {
namespace {

const char* FamilyName(int family) {
  return family == AF_INET6 ? "IPv6" : "IPv4";
}

std::vector<uint8_t> LocalDefaultRouteRequest(bool add, int family, uint32_t table, int lo) {
  std::vector<uint8_t> buffer(256);
  nlmsghdr* message = mnl_nlmsg_put_header(buffer.data());
  message->nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
  message->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(message, sizeof(rtmsg)));
  rtm->rtm_family = static_cast<uint8_t>(family);
  rtm->rtm_dst_len = 0;
  rtm->rtm_table =
      table < 256 ? static_cast<uint8_t>(table) : static_cast<uint8_t>(RT_TABLE_UNSPEC);
  rtm->rtm_protocol = add ? RTPROT_BOOT : 0;  // what `ip route add` writes, as kube-router's
  rtm->rtm_scope = add ? RT_SCOPE_HOST : RT_SCOPE_NOWHERE;
  rtm->rtm_type = RTN_LOCAL;
  mnl_attr_put_u32(message, RTA_TABLE, table);
  mnl_attr_put_u32(message, RTA_OIF, static_cast<uint32_t>(lo));
  buffer.resize(message->nlmsg_len);
  return buffer;
}

}  // namespace

Expected<NetlinkLocalDefaultRoutes> NetlinkLocalDefaultRoutes::Open() {
  auto socket = route::NetlinkSocket::Open();
  if (!socket) return socket.error();
  return NetlinkLocalDefaultRoutes(std::move(*socket));
}

Status NetlinkLocalDefaultRoutes::Ensure(int family, uint32_t table) {
  const unsigned lo = if_nametoindex("lo");
  if (lo == 0) return Error{errno, "no loopback interface"};
  std::vector<std::vector<uint8_t>> requests;
  requests.push_back(LocalDefaultRouteRequest(true, family, table, static_cast<int>(lo)));
  Status added = socket_.Transact(std::move(requests)).front();
  if (added || added.error().code == EEXIST) return Status::Ok();
  return Error{added.error().code, std::string("add local default dev lo table ") +
                                       std::to_string(table) + " (" + FamilyName(family) +
                                       "): " + added.error().message};
}

Status NetlinkLocalDefaultRoutes::Remove(int family, uint32_t table) {
  const unsigned lo = if_nametoindex("lo");
  if (lo == 0) return Error{errno, "no loopback interface"};
  std::vector<std::vector<uint8_t>> requests;
  requests.push_back(LocalDefaultRouteRequest(false, family, table, static_cast<int>(lo)));
  Status removed = socket_.Transact(std::move(requests)).front();
  if (removed || removed.error().code == ESRCH || removed.error().code == ENOENT) {
    return Status::Ok();
  }
  return Error{removed.error().code, std::string("delete local default dev lo table ") +
                                         std::to_string(table) + " (" + FamilyName(family) +
                                         "): " + removed.error().message};
}

DsrPolicyRouting::DsrPolicyRouting(route::RuleKernel& rules, LocalDefaultRoutes& routes,
                                   DsrPolicyRoutingOptions options)
    : rules_(rules), routes_(routes), options_(std::move(options)) {}

route::Rule DsrPolicyRouting::RuleFor(const Mark& mark) const {
  route::Rule rule;
  rule.family = mark.first;
  rule.priority = kDsrRulePriority;
  rule.table = kDsrRouteTable;
  rule.fwmark = mark.second;
  rule.fwmask = route::kExactFwmarkMask;
  return rule;
}

Expected<std::set<DsrPolicyRouting::Mark>> DsrPolicyRouting::DumpOurs() {
  std::set<Mark> ours;
  for (int family : {AF_INET, AF_INET6}) {
    auto rules = rules_.DumpRules(family);
    if (!rules) return rules.error();
    for (const route::Rule& rule : *rules) {
      if (rule.priority != kDsrRulePriority || rule.table != kDsrRouteTable ||
          rule.action != FR_ACT_TO_TBL || rule.other_selectors ||
          rule.fwmask != route::kExactFwmarkMask || !options_.owns_mark(rule.fwmark)) {
        continue;
      }
      ours.insert({family, rule.fwmark});
    }
  }
  return ours;
}

Status DsrPolicyRouting::Sync(const std::set<Mark>& marks, bool full) {
  Status first;
  auto keep = [&first](Status status) {
    if (status) return;
    KR_LOG(ERROR) << "DSR policy routing: " << status.error().message;
    if (first) first = status;
  };
  if (full || !trusted_) {
    auto dumped = DumpOurs();
    if (!dumped) {
      trusted_ = false;
      keep(dumped.error());
      return first;
    }
    applied_ = std::move(*dumped);
  }
  std::set<int> families;
  for (const auto& mark : marks) families.insert(mark.first);
  bool all_ok = true;
  // The table route first: a marked packet must never find a rule without it.
  for (int family : families) {
    if (!full && routed_families_.contains(family)) continue;
    if (options_.dry_run) {
      KR_LOG(INFO) << "dry-run: would ensure local default dev lo table " << kDsrRouteTable;
      continue;
    }
    Status ensured = routes_.Ensure(family, kDsrRouteTable);
    if (ensured) routed_families_.insert(family);
    all_ok = all_ok && ensured.ok();
    keep(ensured);
  }
  for (const auto& mark : marks) {
    if (applied_.contains(mark)) continue;
    if (options_.dry_run) {
      KR_LOG(INFO) << "dry-run: would add rule " << RuleFor(mark).ToString();
      continue;
    }
    Status added = rules_.AddRule(RuleFor(mark));
    if (added || added.error().code == EEXIST) {
      applied_.insert(mark);
      KR_VLOG(1) << "DSR rule added: " << RuleFor(mark).ToString();
    } else {
      all_ok = false;
      keep(added);
    }
  }
  for (auto it = applied_.begin(); it != applied_.end();) {
    if (marks.contains(*it)) {
      ++it;
      continue;
    }
    if (options_.dry_run) {
      KR_LOG(INFO) << "dry-run: would delete rule " << RuleFor(*it).ToString();
      ++it;
      continue;
    }
    Status deleted = rules_.DeleteRule(RuleFor(*it));
    if (deleted || deleted.error().code == ENOENT) {
      KR_VLOG(1) << "DSR rule deleted: " << RuleFor(*it).ToString();
      it = applied_.erase(it);
    } else {
      all_ok = false;
      keep(deleted);
      ++it;
    }
  }
  // A family without marks keeps no table route (full syncs also remove one left behind).
  for (int family : {AF_INET, AF_INET6}) {
    if (families.contains(family) || (!full && !routed_families_.contains(family))) continue;
    if (options_.dry_run) continue;
    Status removed = routes_.Remove(family, kDsrRouteTable);
    if (removed) routed_families_.erase(family);
    all_ok = all_ok && removed.ok();
    keep(removed);
  }
  trusted_ = all_ok;
  return first;
}

Status DsrPolicyRouting::Cleanup() {
  trusted_ = false;
  routed_families_ = {AF_INET, AF_INET6};
  return Sync({}, /*full=*/true);
}

}  // namespace kr::proxyd
