// Rule messages: what goes to the kernel, and what comes back from a dump.
#include "common/route/rule_codec.h"

#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>

#include <catch2/catch.hpp>

namespace kr::route {
namespace {

const nlmsghdr* Header(const std::vector<uint8_t>& buffer) {
  return reinterpret_cast<const nlmsghdr*>(buffer.data());
}

Rule DsrRule() {
  Rule rule;
  rule.family = AF_INET;
  rule.priority = 32764;
  rule.table = 78;
  rule.fwmark = 0x01000abc;
  rule.fwmask = kExactFwmarkMask;
  return rule;
}

TEST_CASE("an add request carries priority, mark, mask and table, and parses back equal") {
  auto request = BuildRuleRequest(true, DsrRule());
  REQUIRE(request);
  const nlmsghdr* message = Header(*request);
  CHECK(message->nlmsg_type == RTM_NEWRULE);
  CHECK(message->nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL));
  CHECK(message->nlmsg_len == request->size());
  const auto* header = static_cast<const fib_rule_hdr*>(mnl_nlmsg_get_payload(message));
  CHECK(header->action == FR_ACT_TO_TBL);
  CHECK(header->table == 78);
  auto parsed = ParseRuleMessage(message);
  REQUIRE(parsed);
  REQUIRE(parsed->has_value());
  CHECK(**parsed == DsrRule());
  CHECK((*parsed)->ToString() == "inet 32764: fwmark 0x1000abc lookup 78");
}

TEST_CASE("a delete request has no create flags; a table above 255 goes only in FRA_TABLE") {
  Rule rule = DsrRule();
  rule.family = AF_INET6;
  rule.table = 1000;
  auto request = BuildRuleRequest(false, rule);
  REQUIRE(request);
  CHECK(Header(*request)->nlmsg_type == RTM_DELRULE);
  CHECK(Header(*request)->nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK));
  const auto* header = static_cast<const fib_rule_hdr*>(mnl_nlmsg_get_payload(Header(*request)));
  CHECK(header->table == RT_TABLE_UNSPEC);
  CHECK(header->family == AF_INET6);
  auto parsed = ParseRuleMessage(Header(*request));
  REQUIRE(parsed);
  REQUIRE(parsed->has_value());
  CHECK((*parsed)->table == 1000);
}

TEST_CASE("bad rules are refused before they reach the kernel") {
  Rule unknown = DsrRule();
  unknown.family = AF_UNSPEC;
  CHECK(BuildRuleRequest(true, unknown).error().code == EINVAL);
  Rule selective = DsrRule();
  selective.other_selectors = true;
  CHECK(BuildRuleRequest(true, selective).error().code == EINVAL);
}

TEST_CASE("a dumped rule with another selector is marked; the kernel's -1 suppressor is not one") {
  std::vector<uint8_t> buffer(512);
  nlmsghdr* message = mnl_nlmsg_put_header(buffer.data());
  message->nlmsg_type = RTM_NEWRULE;
  auto* header =
      static_cast<fib_rule_hdr*>(mnl_nlmsg_put_extra_header(message, sizeof(fib_rule_hdr)));
  header->family = AF_INET;
  header->action = FR_ACT_TO_TBL;
  mnl_attr_put_u32(message, FRA_PRIORITY, 32764);
  mnl_attr_put_u32(message, FRA_TABLE, 78);
  mnl_attr_put_u32(message, FRA_SUPPRESS_PREFIXLEN, 0xFFFFFFFF);
  auto plain = ParseRuleMessage(message);
  REQUIRE(plain);
  REQUIRE(plain->has_value());
  CHECK_FALSE((*plain)->other_selectors);

  mnl_attr_put_strz(message, FRA_IIFNAME, "eth0");
  auto with_interface = ParseRuleMessage(message);
  REQUIRE(with_interface);
  CHECK((*with_interface)->other_selectors);

  header->family = AF_BRIDGE;
  auto other_family = ParseRuleMessage(message);
  REQUIRE(other_family);
  CHECK_FALSE(other_family->has_value());
}

TEST_CASE("a truncated rule message is an error") {
  nlmsghdr message{};
  message.nlmsg_len = NLMSG_LENGTH(0);
  CHECK(ParseRuleMessage(&message).error().code == EINVAL);
}

}  // namespace
}  // namespace kr::route
