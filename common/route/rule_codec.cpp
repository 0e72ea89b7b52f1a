#include "common/route/rule_codec.h"

#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>

#include <sstream>

namespace kr::route {
namespace {

constexpr size_t kRequestCapacity = 512;

bool KnownFamily(int family) {
  return family == AF_INET || family == AF_INET6;
}

}  // namespace

std::string Rule::ToString() const {
  std::ostringstream out;
  out << (family == AF_INET6 ? "inet6 " : "inet ") << priority << ":";
  if (fwmark != 0 || fwmask != 0) {
    out << " fwmark 0x" << std::hex << fwmark;
    if (fwmask != kExactFwmarkMask) out << "/0x" << fwmask;
    out << std::dec;
  }
  if (other_selectors) out << " (other selectors)";
  if (action == FR_ACT_TO_TBL) {
    out << " lookup " << table;
  } else {
    out << " action " << static_cast<int>(action);
  }
  return out.str();
}

Expected<std::vector<uint8_t>> BuildRuleRequest(bool add, const Rule& rule) {
  if (!KnownFamily(rule.family)) return Error{EINVAL, "rule of unknown family"};
  if (rule.other_selectors) return Error{EINVAL, "rule with selectors this codec cannot write"};
  std::vector<uint8_t> buffer(kRequestCapacity);
  nlmsghdr* message = mnl_nlmsg_put_header(buffer.data());
  message->nlmsg_type = add ? RTM_NEWRULE : RTM_DELRULE;
  message->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
  auto* header =
      static_cast<fib_rule_hdr*>(mnl_nlmsg_put_extra_header(message, sizeof(fib_rule_hdr)));
  header->family = static_cast<uint8_t>(rule.family);
  header->action = rule.action;
  // Tables above 255 only fit the attribute; the header's byte then stays RT_TABLE_UNSPEC.
  header->table =
      rule.table < 256 ? static_cast<uint8_t>(rule.table) : static_cast<uint8_t>(RT_TABLE_UNSPEC);
  mnl_attr_put_u32(message, FRA_PRIORITY, rule.priority);
  if (rule.action == FR_ACT_TO_TBL) mnl_attr_put_u32(message, FRA_TABLE, rule.table);
  if (rule.fwmark != 0 || rule.fwmask != 0) {
    mnl_attr_put_u32(message, FRA_FWMARK, rule.fwmark);
    mnl_attr_put_u32(message, FRA_FWMASK, rule.fwmask);
  }
  buffer.resize(message->nlmsg_len);
  return buffer;
}

std::vector<uint8_t> BuildRuleDumpRequest(int family) {
  std::vector<uint8_t> buffer(kRequestCapacity);
  nlmsghdr* message = mnl_nlmsg_put_header(buffer.data());
  message->nlmsg_type = RTM_GETRULE;
  message->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  auto* header =
      static_cast<fib_rule_hdr*>(mnl_nlmsg_put_extra_header(message, sizeof(fib_rule_hdr)));
  header->family = static_cast<uint8_t>(family);
  buffer.resize(message->nlmsg_len);
  return buffer;
}

namespace {

struct RuleAttributes {
  const nlattr* at[FRA_MAX + 1] = {};

  static int Collect(const nlattr* attribute, void* data) {
    auto* self = static_cast<RuleAttributes*>(data);
    const int type = mnl_attr_get_type(attribute);
    if (type >= 0 && type <= FRA_MAX) self->at[type] = attribute;
    return MNL_CB_OK;
  }
};

Expected<uint32_t> U32(const nlattr* attribute) {
  if (mnl_attr_validate(attribute, MNL_TYPE_U32) < 0) return Error{EINVAL, "short rule attribute"};
  return mnl_attr_get_u32(attribute);
}

// Anything besides priority, mark and table that narrows which packets match makes it a rule
// we must not take for ours.
bool HasOtherSelectors(const fib_rule_hdr& header, const RuleAttributes& attributes) {
  if (header.src_len != 0 || header.dst_len != 0 || header.tos != 0 ||
      (header.flags & FIB_RULE_INVERT) != 0) {
    return true;
  }
  for (int type :
       {FRA_SRC, FRA_DST, FRA_IIFNAME, FRA_OIFNAME, FRA_FLOW, FRA_TUN_ID, FRA_L3MDEV, FRA_UID_RANGE,
        FRA_IP_PROTO, FRA_SPORT_RANGE, FRA_DPORT_RANGE, FRA_SUPPRESS_IFGROUP}) {
    if (attributes.at[type]) return true;
  }
  // The kernel always reports FRA_SUPPRESS_PREFIXLEN, as -1 when it is not set.
  const nlattr* suppress = attributes.at[FRA_SUPPRESS_PREFIXLEN];
  return suppress && mnl_attr_get_payload_len(suppress) >= 4 &&
         mnl_attr_get_u32(suppress) != 0xFFFFFFFF;
}

}  // namespace

Expected<std::optional<Rule>> ParseRuleMessage(const nlmsghdr* message) {
  if (message->nlmsg_len < NLMSG_LENGTH(sizeof(fib_rule_hdr))) {
    return Error{EINVAL, "truncated rule message"};
  }
  const auto* header = static_cast<const fib_rule_hdr*>(mnl_nlmsg_get_payload(message));
  if (!KnownFamily(header->family)) return std::optional<Rule>{};
  RuleAttributes attributes;
  if (mnl_attr_parse(message, sizeof(fib_rule_hdr), RuleAttributes::Collect, &attributes) < 0) {
    return Error{EINVAL, "malformed rule attributes"};
  }
  Rule rule;
  rule.family = header->family;
  rule.action = header->action;
  rule.table = header->table;
  const auto& at = attributes.at;
  for (auto [type, field] :
       {std::pair{FRA_PRIORITY, &rule.priority}, std::pair{FRA_TABLE, &rule.table},
        std::pair{FRA_FWMARK, &rule.fwmark}, std::pair{FRA_FWMASK, &rule.fwmask}}) {
    if (!at[type]) continue;
    auto value = U32(at[type]);
    if (!value) return value.error();
    *field = *value;
  }
  rule.other_selectors = HasOtherSelectors(*header, attributes);
  return std::optional<Rule>(rule);
}

}  // namespace kr::route
