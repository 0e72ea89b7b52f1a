#include "common/model/token_reader.h"

#include <limits>

namespace kr::model {
namespace {

using Kind = Token::Kind;
using json = nlohmann::json;

// nlohmann's SAX interface (duck-typed, no virtual calls): every event becomes a token.
class TokenSink {
 public:
  explicit TokenSink(std::vector<Token>& tokens) : tokens_(tokens) {}

  bool null() { return Push(Kind::kNull); }
  bool boolean(bool value) {
    Push(Kind::kBool);
    tokens_.back().flag = value;
    return true;
  }
  bool number_integer(json::number_integer_t value) {
    Push(Kind::kInteger);
    tokens_.back().integer = value;
    return true;
  }
  bool number_unsigned(json::number_unsigned_t value) {
    if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Push(Kind::kUnsigned);
    }
    Push(Kind::kInteger);
    tokens_.back().integer = static_cast<int64_t>(value);
    return true;
  }
  bool number_float(json::number_float_t, const json::string_t&) { return Push(Kind::kFloat); }
  bool string(json::string_t& value) { return PushText(Kind::kString, value); }
  bool binary(json::binary_t&) { return Push(Kind::kOther); }
  bool start_object(std::size_t) { return Push(Kind::kBeginObject); }
  bool key(json::string_t& value) { return PushText(Kind::kKey, value); }
  bool end_object() { return Push(Kind::kEndObject); }
  bool start_array(std::size_t) { return Push(Kind::kBeginArray); }
  bool end_array() { return Push(Kind::kEndArray); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }

 private:
  bool Push(Kind kind) {
    tokens_.emplace_back().kind = kind;
    return true;
  }
  bool PushText(Kind kind, json::string_t& value) {
    Push(kind);
    tokens_.back().text = std::move(value);
    return true;
  }

  std::vector<Token>& tokens_;
};

void AppendJson(const json& value, std::vector<Token>& tokens) {
  Token& token = tokens.emplace_back();
  switch (value.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
      token.kind = Kind::kNull;
      return;
    case json::value_t::boolean:
      token.kind = Kind::kBool;
      token.flag = value.get<bool>();
      return;
    case json::value_t::number_integer:
      token.kind = Kind::kInteger;
      token.integer = value.get<int64_t>();
      return;
    case json::value_t::number_unsigned:
      if (value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        token.kind = Kind::kUnsigned;
      } else {
        token.kind = Kind::kInteger;
        token.integer = static_cast<int64_t>(value.get<uint64_t>());
      }
      return;
    case json::value_t::number_float:
      token.kind = Kind::kFloat;
      return;
    case json::value_t::string:
      token.kind = Kind::kString;
      token.text = value.get_ref<const std::string&>();
      return;
    case json::value_t::binary:
      token.kind = Kind::kOther;
      return;
    case json::value_t::object:
      token.kind = Kind::kBeginObject;
      for (const auto& [key, item] : value.items()) {
        Token& key_token = tokens.emplace_back();
        key_token.kind = Kind::kKey;
        key_token.text = key;
        AppendJson(item, tokens);
      }
      tokens.emplace_back().kind = Kind::kEndObject;
      return;
    case json::value_t::array:
      token.kind = Kind::kBeginArray;
      for (const auto& item : value) AppendJson(item, tokens);
      tokens.emplace_back().kind = Kind::kEndArray;
      return;
  }
}

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return "boolean";
    case Kind::kInteger:
    case Kind::kUnsigned:
      return "integer";
    case Kind::kFloat:
      return "number";
    case Kind::kString:
      return "string";
    case Kind::kKey:
      return "key";
    case Kind::kBeginObject:
    case Kind::kEndObject:
      return "object";
    case Kind::kBeginArray:
    case Kind::kEndArray:
      return "array";
    case Kind::kOther:
      return "binary";
  }
  return "value";
}

}  // namespace

bool TokenizeCbor(std::string_view bytes, std::vector<Token>& tokens) {
  tokens.clear();
  TokenSink sink(tokens);
  return json::sax_parse(bytes, &sink, json::input_format_t::cbor, /*strict=*/true);
}

void TokenizeJson(const json& value, std::vector<Token>& tokens) {
  tokens.clear();
  AppendJson(value, tokens);
}

void TokenReader::Fail(const std::string& message) {
  throw json::type_error::create(302, message, nullptr);
}

const Token& TokenReader::Peek() const {
  if (next_ >= tokens_.size()) Fail("truncated object");
  return tokens_[next_];
}

void TokenReader::WrongType(const char* what, const char* expected) const {
  Fail(std::string(what) + " must be " + expected + ", not " + KindName(Peek().kind));
}

bool TokenReader::TakeNull() {
  if (Peek().kind != Kind::kNull) return false;
  ++next_;
  return true;
}

bool TokenReader::AtInteger() const {
  Kind kind = Peek().kind;
  return kind == Kind::kInteger || kind == Kind::kUnsigned;
}

void TokenReader::Read(std::string& out, const char* what) {
  if (Peek().kind != Kind::kString) WrongType(what, "a string");
  out = std::move(tokens_[next_++].text);
}

void TokenReader::Read(bool& out, const char* what) {
  if (Peek().kind != Kind::kBool) WrongType(what, "a boolean");
  out = tokens_[next_++].flag;
}

void TokenReader::Read(int32_t& out, const char* what) {
  const Token& token = Peek();
  if (token.kind != Kind::kInteger && token.kind != Kind::kUnsigned) WrongType(what, "an integer");
  if (token.kind == Kind::kUnsigned || token.integer < std::numeric_limits<int32_t>::min() ||
      token.integer > std::numeric_limits<int32_t>::max()) {
    Fail(std::string(what) + " is out of the 32-bit range");
  }
  out = static_cast<int32_t>(token.integer);
  ++next_;
}

void TokenReader::BeginObject(const char* what) {
  if (Peek().kind != Kind::kBeginObject) WrongType(what, "an object");
  ++next_;
}

bool TokenReader::NextKey(std::string& key) {
  const Token& token = Peek();
  if (token.kind == Kind::kEndObject) {
    ++next_;
    return false;
  }
  if (token.kind != Kind::kKey) Fail("object key expected");
  key = std::move(tokens_[next_++].text);
  return true;
}

void TokenReader::BeginArray(const char* what) {
  if (Peek().kind != Kind::kBeginArray) WrongType(what, "an array");
  ++next_;
}

bool TokenReader::AtArrayEnd() {
  if (Peek().kind != Kind::kEndArray) return false;
  ++next_;
  return true;
}

void TokenReader::Skip() {
  size_t depth = 0;
  do {
    Kind kind = Peek().kind;
    ++next_;
    if (kind == Kind::kBeginObject || kind == Kind::kBeginArray) ++depth;
    if (kind == Kind::kEndObject || kind == Kind::kEndArray) --depth;
  } while (depth > 0);
}

void TokenReader::ExpectEnd() const {
  if (next_ != tokens_.size()) Fail("trailing data after the object");
}

}  // namespace kr::model
