// A flat token stream of one encoded object, and a pull reader over it that fills the model
// structs directly.
//
// Why: building an nlohmann::json tree for every object and then copying it into the struct
// costs about four times the parse itself (a map node and a string per key). JSON trees are
// turned into tokens (TokenizeJson) and read by one reader with one set of rules
// (proto/SPEC.md section 10): an absent or null field keeps its default, an unknown field is
// skipped, a value of the wrong type is an error.
//
// Bus bodies no longer come this way: DecodeCbor reads the CBOR bytes directly (cbor_reader.h,
// several times faster). TokenizeCbor, the former path through nlohmann's SAX parser, stays as
// the reference the direct reader is tested and measured against (legacy_cbor_decode.h).
//
// Errors throw nlohmann::json::type_error, as from_json does, so kr::model::Decode's callers
// see one kind of failure.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace kr::model {

struct Token {
  enum class Kind : uint8_t {
    kNull,
    kBool,
    kInteger,   // fits int64_t
    kUnsigned,  // above INT64_MAX
    kFloat,
    kString,
    kKey,
    kBeginObject,
    kEndObject,
    kBeginArray,
    kEndArray,
    kOther,  // binary: valid CBOR, never part of a model object
  };
  Kind kind = Kind::kNull;
  bool flag = false;
  int64_t integer = 0;
  std::string text;  // kString and kKey
};

// Fills `tokens` (cleared first) from one CBOR item; false when the bytes are not exactly one
// well-formed item. Only the reference decoder uses it (see above).
bool TokenizeCbor(std::string_view bytes, std::vector<Token>& tokens);
// Fills `tokens` (cleared first) from a JSON tree.
void TokenizeJson(const nlohmann::json& value, std::vector<Token>& tokens);

class TokenReader {
 public:
  explicit TokenReader(std::vector<Token>& tokens) : tokens_(tokens) {}

  // True (and consumed) when the next value is null.
  bool TakeNull();
  bool AtString() const { return Peek().kind == Token::Kind::kString; }
  bool AtInteger() const;

  void Read(std::string& out, const char* what);
  void Read(bool& out, const char* what);
  void Read(int32_t& out, const char* what);

  // Object iteration: BeginObject, then NextKey until it returns false.
  void BeginObject(const char* what);
  // The next key, moved out of its token; false at the end of the object.
  bool NextKey(std::string& key);
  void BeginArray(const char* what);
  bool AtArrayEnd();  // consumes the end marker when there

  // Skips one value, nested objects and arrays included.
  void Skip();
  // Throws unless every token was read.
  void ExpectEnd() const;

  [[noreturn]] static void Fail(const std::string& message);

 private:
  const Token& Peek() const;
  [[noreturn]] void WrongType(const char* what, const char* expected) const;

  std::vector<Token>& tokens_;
  size_t next_ = 0;
};

}  // namespace kr::model
