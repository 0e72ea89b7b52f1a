#include "common/iptables/rule_text.h"

#include <catch2/catch.hpp>

namespace kr::iptables {
namespace {

std::vector<std::string> Tokens(std::string_view rule) {
  auto tokens = TokenizeRule(rule);
  REQUIRE(tokens.ok());
  return *tokens;
}

TEST_CASE("iptables_rule_text: tokens follow iptables-restore's quoting") {
  CHECK(Tokens("-s 10.0.0.0/8  -j ACCEPT") ==
        std::vector<std::string>{"-s", "10.0.0.0/8", "-j", "ACCEPT"});
  CHECK(Tokens(R"(-m comment --comment "rule \"quoted\" it\'s" -j LOG --log-prefix "DROP: ")") ==
        std::vector<std::string>{"-m", "comment", "--comment", "rule \"quoted\" it's", "-j", "LOG",
                                 "--log-prefix", "DROP: "});
  CHECK(Tokens(R"(--comment "")") == std::vector<std::string>{"--comment", ""});
  CHECK(TokenizeRule(R"(--comment "open)").error().code == EINVAL);
}

TEST_CASE("iptables_rule_text: normalizing makes equivalent spellings equal") {
  CHECK(*NormalizeRule(R"(-m comment --comment "abc" -j X)") ==
        *NormalizeRule("-m comment  --comment abc -j X"));
  CHECK(*NormalizeRule(R"(-m comment --comment "kr-node:policyd:x" -j X)") ==
        "-m comment --comment kr-node:policyd:x -j X");
  // Values with blanks or quotes keep quotes, escaped as iptables-save escapes them.
  CHECK(*NormalizeRule(R"(--comment "a \"b\" c\'s")") == R"(--comment "a \"b\" c\'s")");
  CHECK(QuoteArgument("") == R"("")");
  CHECK(QuoteArgument(R"(back\slash)") == R"("back\\slash")");
  // Normalizing twice changes nothing.
  std::string once = *NormalizeRule(R"(-j LOG --log-prefix "DROP: ")");
  CHECK(*NormalizeRule(once) == once);
}

TEST_CASE("iptables_rule_text: the comment of a rule") {
  CHECK(RuleComment(*NormalizeRule(R"(-m comment --comment "kr-node:a b" -j X)")) == "kr-node:a b");
  CHECK_FALSE(RuleComment("-s 10.0.0.0/8 -j ACCEPT").has_value());
}

}  // namespace
}  // namespace kr::iptables
