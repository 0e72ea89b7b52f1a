// Rule text as iptables-save prints it and iptables-restore reads it: quoting, tokens, and the
// normalized form every comparison in this module uses.
//
// iptables-save quotes a value unless it is only [A-Za-z0-9_-], escaping " \ and ' with a
// backslash; iptables-restore groups "..." into one argument and drops those backslashes.
// Normalizing = tokenize, then re-join with single spaces, quoting only tokens that need it to
// survive iptables-restore, so `--comment "abc"` and `--comment abc` compare equal.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/expected.h"

namespace kr::iptables {

// Splits a rule into arguments as iptables-restore does. EINVAL on an unterminated quote.
Expected<std::vector<std::string>> TokenizeRule(std::string_view rule);

// One argument, quoted and escaped when it holds blanks, quotes or backslashes (or is empty).
std::string QuoteArgument(std::string_view argument);

std::string JoinRule(const std::vector<std::string>& arguments);

// Whether `rule` is already in normalized form (a conservative, cheap check: single spaces and no
// character quoting could affect). Most rules are; NormalizeRule then just copies.
bool IsNormalized(std::string_view rule);

// TokenizeRule + JoinRule.
Expected<std::string> NormalizeRule(std::string_view rule);

// The value of `--comment` in a normalized rule, if it has one.
std::optional<std::string> RuleComment(std::string_view normalized_rule);

}  // namespace kr::iptables
