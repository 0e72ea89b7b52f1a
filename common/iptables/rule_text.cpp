#include "common/iptables/rule_text.h"

namespace kr::iptables {
namespace {

bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool NeedsQuotes(std::string_view argument) {
  if (argument.empty()) return true;
  for (char c : argument) {
    if (IsBlank(c) || c == '"' || c == '\'' || c == '\\') return true;
  }
  return false;
}

}  // namespace

Expected<std::vector<std::string>> TokenizeRule(std::string_view rule) {
  std::vector<std::string> arguments;
  std::string current;
  bool in_argument = false;
  bool quoted = false;
  for (std::size_t i = 0; i < rule.size(); ++i) {
    char c = rule[i];
    if (quoted) {
      if (c == '\\' && i + 1 < rule.size()) {
        current += rule[++i];
      } else if (c == '"') {
        quoted = false;
      } else {
        current += c;
      }
      continue;
    }
    if (IsBlank(c)) {
      if (in_argument) arguments.push_back(std::move(current));
      current.clear();
      in_argument = false;
    } else if (c == '"') {
      quoted = true;
      in_argument = true;
    } else {
      current += c;
      in_argument = true;
    }
  }
  if (quoted) return Error{EINVAL, "unterminated quote in rule: " + std::string(rule)};
  if (in_argument) arguments.push_back(std::move(current));
  return arguments;
}

std::string QuoteArgument(std::string_view argument) {
  if (!NeedsQuotes(argument)) return std::string(argument);
  std::string quoted = "\"";
  for (char c : argument) {
    if (c == '"' || c == '\\' || c == '\'') quoted += '\\';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

std::string JoinRule(const std::vector<std::string>& arguments) {
  std::string rule;
  for (const std::string& argument : arguments) {
    if (!rule.empty()) rule += ' ';
    rule += QuoteArgument(argument);
  }
  return rule;
}

bool IsNormalized(std::string_view rule) {
  if (rule.empty()) return true;
  if (rule.front() == ' ' || rule.back() == ' ') return false;
  char previous = 0;
  for (char c : rule) {
    if (c == '"' || c == '\\' || c == '\'' || c == '\t' || c == '\r' || c == '\n') return false;
    if (c == ' ' && previous == ' ') return false;
    previous = c;
  }
  return true;
}

Expected<std::string> NormalizeRule(std::string_view rule) {
  if (IsNormalized(rule)) return std::string(rule);
  auto arguments = TokenizeRule(rule);
  if (!arguments) return arguments.error();
  return JoinRule(*arguments);
}

std::optional<std::string> RuleComment(std::string_view normalized_rule) {
  // Cheap filter first: most rules carry no comment and need no tokenizing.
  if (normalized_rule.find("--comment") == std::string_view::npos) return std::nullopt;
  auto arguments = TokenizeRule(normalized_rule);
  if (!arguments) return std::nullopt;
  for (std::size_t i = 0; i + 1 < arguments->size(); ++i) {
    if ((*arguments)[i] == "--comment") return (*arguments)[i + 1];
  }
  return std::nullopt;
}

}  // namespace kr::iptables
