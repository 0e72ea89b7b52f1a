// One list of wire fields per model struct, from which both directions are derived: JSON
// (to_json / from_json, found by nlohmann through ADL) and the direct CBOR decode the bus
// subscriber uses (DecodeCbor in decode.h). Writing the field names once keeps the encodings
// from drifting apart.
//
//   constexpr auto WireSchemaOf(const Pod*) {
//     return WireSchema<Pod>("pod", Member("namespace", &Pod::ns), Member("name", &Pod::name));
//   }
//
// Reading follows proto/SPEC.md section 10 (token_reader.h): absent or null keeps the default
// (an optional member becomes empty), unknown keys are skipped, wrong types throw. Writing
// emits every member, except empty optionals, which are left out.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "common/model/token_reader.h"

namespace kr::model {

template <typename T, typename M>
struct MemberField {
  const char* name;
  M T::*member;
};

template <typename T, typename M>
constexpr MemberField<T, M> Member(const char* name, M T::*member) {
  return {name, member};
}

template <typename T, typename... Fields>
struct WireSchemaType {
  const char* name;  // for error messages: "pod", "service port", ...
  std::tuple<Fields...> fields;
};

template <typename T, typename... Fields>
constexpr WireSchemaType<T, Fields...> WireSchema(const char* name, Fields... fields) {
  return {name, {fields...}};
}

// A struct with a WireSchemaOf overload (found through ADL).
template <typename T>
concept WireStruct = requires {
  WireSchemaOf(static_cast<const T*>(nullptr));
};

template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};

// Scalar and container readers; structs and the custom types (IntOrString) add overloads.
inline void ReadValue(TokenReader& reader, std::string& out, const char* what) {
  reader.Read(out, what);
}
inline void ReadValue(TokenReader& reader, bool& out, const char* what) {
  reader.Read(out, what);
}
inline void ReadValue(TokenReader& reader, int32_t& out, const char* what) {
  reader.Read(out, what);
}

inline void ReadValue(TokenReader& reader, std::map<std::string, std::string>& out,
                      const char* what) {
  out.clear();
  reader.BeginObject(what);
  std::string key;
  while (reader.NextKey(key)) {
    std::string value;
    reader.Read(value, what);
    out.insert_or_assign(std::move(key), std::move(value));
  }
}

template <typename T>
void ReadValue(TokenReader& reader, std::vector<T>& out, const char* what);
template <typename T>
void ReadValue(TokenReader& reader, std::optional<T>& out, const char* what);
template <WireStruct T>
void ReadValue(TokenReader& reader, T& out, const char* what);

template <typename T>
void ReadValue(TokenReader& reader, std::vector<T>& out, const char* what) {
  out.clear();
  reader.BeginArray(what);
  while (!reader.AtArrayEnd()) ReadValue(reader, out.emplace_back(), what);
}

template <typename T>
void ReadValue(TokenReader& reader, std::optional<T>& out, const char* what) {
  if (reader.TakeNull()) {
    out.reset();
    return;
  }
  ReadValue(reader, out.emplace(), what);
}

// Reads the value of `key` into `out` when the field is named so; false otherwise.
template <typename T, typename M>
bool ReadFieldIfNamed(TokenReader& reader, const MemberField<T, M>& field, const std::string& key,
                      T& out) {
  if (key != field.name) return false;
  if (reader.TakeNull()) {
    if constexpr (IsOptional<M>::value) (out.*field.member).reset();
    return true;
  }
  ReadValue(reader, out.*field.member, field.name);
  return true;
}

template <typename T, typename M>
void WriteField(nlohmann::json& object, const MemberField<T, M>& field, const T& value) {
  const M& member = value.*field.member;
  if constexpr (IsOptional<M>::value) {
    if (member) object[field.name] = *member;
  } else {
    object[field.name] = member;
  }
}

template <WireStruct T>
void ReadValue(TokenReader& reader, T& out, const char* /*what*/) {
  constexpr auto schema = WireSchemaOf(static_cast<const T*>(nullptr));
  reader.BeginObject(schema.name);
  std::string key;
  while (reader.NextKey(key)) {
    bool known = std::apply(
        [&](const auto&... field) { return (ReadFieldIfNamed(reader, field, key, out) || ...); },
        schema.fields);
    if (!known) reader.Skip();
  }
}

template <WireStruct T>
void to_json(nlohmann::json& j, const T& value) {
  constexpr auto schema = WireSchemaOf(static_cast<const T*>(nullptr));
  j = nlohmann::json::object();
  std::apply([&](const auto&... field) { (WriteField(j, field, value), ...); }, schema.fields);
}

// Reads a whole object from tokens; throws nlohmann::json::type_error when malformed.
template <WireStruct T>
void ReadObject(std::vector<Token>& tokens, T& out) {
  TokenReader reader(tokens);
  ReadValue(reader, out, "object");
  reader.ExpectEnd();
}

template <WireStruct T>
void from_json(const nlohmann::json& j, T& out) {
  std::vector<Token> tokens;
  TokenizeJson(j, tokens);
  ReadObject(tokens, out);
}

}  // namespace kr::model
