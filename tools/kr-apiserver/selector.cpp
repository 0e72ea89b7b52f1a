#include "tools/kr-apiserver/selector.h"

#include <cctype>
#include <cstdlib>

namespace kr::apiserver {

namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Key characters of a label key ([prefix/]name) or value; validation of lengths is left out.
bool IsKeyChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == '/';
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  void SkipSpace() {
    while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
  }
  bool AtEnd() {
    SkipSpace();
    return pos_ >= text_.size();
  }
  char Peek() {
    SkipSpace();
    return pos_ < text_.size() ? text_[pos_] : '\0';
  }
  bool Consume(std::string_view token) {
    SkipSpace();
    if (text_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }
  std::string Word() {
    SkipSpace();
    size_t start = pos_;
    while (pos_ < text_.size() && IsKeyChar(text_[pos_])) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }
  // "in" / "notin" are only operators when followed by space or '('.
  bool ConsumeKeyword(std::string_view word) {
    SkipSpace();
    if (text_.substr(pos_, word.size()) != word) return false;
    size_t after = pos_ + word.size();
    if (after < text_.size() && !IsSpace(text_[after]) && text_[after] != '(') return false;
    pos_ = after;
    return true;
  }
  size_t pos() const { return pos_; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

Error SyntaxError(std::string_view text, size_t pos, const std::string& what) {
  return Error{EINVAL, "unable to parse requirement: " + what + " at position " +
                           std::to_string(pos) + " in \"" + std::string(text) + "\""};
}

bool IsInteger(const std::string& s) {
  if (s.empty()) return false;
  char* end = nullptr;
  std::strtoll(s.c_str(), &end, 10);
  return *end == '\0';
}

Expected<std::vector<std::string>> ParseValueSet(Lexer& lex, std::string_view text) {
  std::vector<std::string> values;
  if (!lex.Consume("(")) return SyntaxError(text, lex.pos(), "expected '('");
  if (lex.Consume(")")) return values;  // `k in ()` is legal and matches nothing
  while (true) {
    values.push_back(lex.Word());
    if (lex.Consume(")")) return values;
    if (!lex.Consume(",")) return SyntaxError(text, lex.pos(), "expected ',' or ')'");
  }
}

}  // namespace

Expected<LabelSelector> LabelSelector::Parse(std::string_view text) {
  LabelSelector selector;
  Lexer lex(text);
  if (lex.AtEnd()) return selector;
  while (true) {
    Requirement req;
    if (lex.Consume("!")) {
      req.key = lex.Word();
      req.op = Op::kNotExists;
      if (req.key.empty()) return SyntaxError(text, lex.pos(), "expected a key after '!'");
    } else {
      req.key = lex.Word();
      if (req.key.empty()) return SyntaxError(text, lex.pos(), "expected a key");
      if (lex.AtEnd() || lex.Peek() == ',') {
        req.op = Op::kExists;
      } else if (lex.Consume("==") || lex.Consume("=")) {
        req.op = Op::kEquals;
        req.values.push_back(lex.Word());
      } else if (lex.Consume("!=")) {
        req.op = Op::kNotEquals;
        req.values.push_back(lex.Word());
      } else if (lex.Consume(">")) {
        req.op = Op::kGreater;
        req.values.push_back(lex.Word());
      } else if (lex.Consume("<")) {
        req.op = Op::kLess;
        req.values.push_back(lex.Word());
      } else if (lex.ConsumeKeyword("notin")) {
        req.op = Op::kNotIn;
        auto values = ParseValueSet(lex, text);
        if (!values) return values.error();
        req.values = std::move(*values);
      } else if (lex.ConsumeKeyword("in")) {
        req.op = Op::kIn;
        auto values = ParseValueSet(lex, text);
        if (!values) return values.error();
        req.values = std::move(*values);
      } else {
        return SyntaxError(text, lex.pos(), "expected an operator");
      }
      if ((req.op == Op::kGreater || req.op == Op::kLess) && !IsInteger(req.values[0])) {
        return SyntaxError(text, lex.pos(),
                           "for 'gt', 'lt' operators, the value must be an integer");
      }
    }
    selector.requirements_.push_back(std::move(req));
    if (lex.AtEnd()) return selector;
    if (!lex.Consume(",")) return SyntaxError(text, lex.pos(), "expected ','");
  }
}

bool LabelSelector::Matches(const nlohmann::json& labels) const {
  for (const auto& req : requirements_) {
    const nlohmann::json* value = nullptr;
    if (labels.is_object()) {
      auto it = labels.find(req.key);
      if (it != labels.end() && it->is_string()) value = &*it;
    }
    auto has = [&](const std::string& v) {
      return value && value->get_ref<const std::string&>() == v;
    };
    bool ok = false;
    switch (req.op) {
      case Op::kExists:
        ok = value != nullptr;
        break;
      case Op::kNotExists:
        ok = value == nullptr;
        break;
      case Op::kEquals:
        ok = has(req.values[0]);
        break;
      case Op::kNotEquals:
        ok = !has(req.values[0]);
        break;
      case Op::kIn:
        for (const auto& v : req.values) ok = ok || has(v);
        break;
      case Op::kNotIn:
        ok = true;
        for (const auto& v : req.values) ok = ok && !has(v);
        break;
      case Op::kGreater:
      case Op::kLess: {
        if (!value || !IsInteger(value->get<std::string>())) break;
        long long have = std::atoll(value->get_ref<const std::string&>().c_str());
        long long want = std::atoll(req.values[0].c_str());
        ok = req.op == Op::kGreater ? have > want : have < want;
        break;
      }
    }
    if (!ok) return false;
  }
  return true;
}

Expected<FieldSelector> FieldSelector::Parse(std::string_view text) {
  FieldSelector selector;
  // Split on unescaped commas, then each term on its first unescaped operator.
  std::vector<std::string> terms(1);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      terms.back() += text.substr(i, 2);
      ++i;
    } else if (text[i] == ',') {
      terms.emplace_back();
    } else {
      terms.back() += text[i];
    }
  }
  for (const auto& term : terms) {
    if (term.empty()) continue;
    Requirement req;
    size_t op_pos = std::string::npos;
    size_t op_len = 0;
    for (size_t i = 0; i < term.size(); ++i) {
      if (term[i] == '\\') {
        ++i;
        continue;
      }
      if (term.compare(i, 2, "!=") == 0) {
        req.negated = true, op_pos = i, op_len = 2;
      } else if (term.compare(i, 2, "==") == 0) {
        op_pos = i, op_len = 2;
      } else if (term[i] == '=') {
        op_pos = i, op_len = 1;
      }
      if (op_pos != std::string::npos) break;
    }
    if (op_pos == std::string::npos) {
      return Error{
          EINVAL, "invalid selector: '" + std::string(text) + "'; can't understand '" + term + "'"};
    }
    auto trim = [](std::string s) {
      while (!s.empty() && IsSpace(s.back())) s.pop_back();
      size_t start = 0;
      while (start < s.size() && IsSpace(s[start])) ++start;
      return s.substr(start);
    };
    req.field = trim(term.substr(0, op_pos));
    std::string raw = term.substr(op_pos + op_len);
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 1 < raw.size()) ++i;
      req.value += raw[i];
    }
    if (req.field.empty()) {
      return Error{EINVAL, "invalid selector: '" + std::string(text) + "'; empty field name"};
    }
    selector.requirements_.push_back(std::move(req));
  }
  return selector;
}

std::string FieldValue(const nlohmann::json& object, std::string_view field) {
  const nlohmann::json* node = &object;
  size_t start = 0;
  while (start <= field.size()) {
    size_t dot = field.find('.', start);
    std::string part(
        field.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (!node->is_object()) return "";
    auto it = node->find(part);
    if (it == node->end()) return "";
    node = &*it;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (node->is_string()) return node->get<std::string>();
  if (node->is_boolean()) return node->get<bool>() ? "true" : "false";
  if (node->is_number()) return node->dump();
  return "";
}

bool FieldSelector::Matches(const nlohmann::json& object) const {
  for (const auto& req : requirements_) {
    std::string have = FieldValue(object, req.field);
    if (req.field == "spec.hostNetwork" && have.empty()) have = "false";
    if ((have == req.value) == req.negated) return false;
  }
  return true;
}

}  // namespace kr::apiserver
