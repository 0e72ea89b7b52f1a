// Bus bodies (CBOR) straight into the model structs, driven by the same wire field lists as
// the JSON path (wire_fields.h) and following the same rules (proto/SPEC.md section 10): an
// absent or null field keeps its default (an optional member becomes empty), an unknown field
// is skipped whatever it holds, a value of the wrong type is an error naming the field.
//
// Each ReadCbor overload reads one value; false means the reader holds the error
// (cbor_reader.h). DecodeCbor (decode.h) is the entry point.
#pragma once

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "common/model/cbor_reader.h"
#include "common/model/network_policy.h"
#include "common/model/wire_fields.h"

namespace kr::model {

// Every overload is declared before the templates that call it: for members of standard types
// argument-dependent lookup would not find a later one.
inline bool ReadCbor(CborReader& reader, std::string& out, const char* what) {
  std::string_view text;
  if (!reader.ReadText(text, what)) return false;
  out.assign(text);
  return true;
}
inline bool ReadCbor(CborReader& reader, bool& out, const char* what) {
  return reader.ReadBool(out, what);
}
inline bool ReadCbor(CborReader& reader, int32_t& out, const char* what) {
  return reader.ReadInt32(out, what);
}
bool ReadCbor(CborReader& reader, std::map<std::string, std::string>& out, const char* what);
bool ReadCbor(CborReader& reader, IntOrString& out, const char* what);
// NetworkPolicy's ingress and egress lists (network_policy.h says why they are special).
bool ReadCborField(CborReader& reader, const RuleListField& field, NetworkPolicy& out);

template <typename T>
bool ReadCbor(CborReader& reader, std::vector<T>& out, const char* what);
template <typename T>
bool ReadCbor(CborReader& reader, std::optional<T>& out, const char* what);
template <WireStruct T>
bool ReadCbor(CborReader& reader, T& out, const char* what);

template <typename T>
bool ReadCbor(CborReader& reader, std::vector<T>& out, const char* what) {
  out.clear();
  size_t count = 0;
  if (!reader.ReadArrayHead(count, what)) return false;
  // The count is bounded by the body's size (cbor_reader.h); the cap bounds what a small
  // body claiming many items can make us reserve.
  out.reserve(std::min<size_t>(count, 64));
  for (; count > 0; --count) {
    if (!ReadCbor(reader, out.emplace_back(), what)) return false;
  }
  return true;
}

template <typename T>
bool ReadCbor(CborReader& reader, std::optional<T>& out, const char* what) {
  if (reader.TakeNull()) {
    out.reset();
    return true;
  }
  return ReadCbor(reader, out.emplace(), what);
}

template <typename T, typename M>
bool ReadCborField(CborReader& reader, const MemberField<T, M>& field, T& out) {
  if (reader.TakeNull()) {
    if constexpr (IsOptional<M>::value) (out.*field.member).reset();
    return true;
  }
  return ReadCbor(reader, out.*field.member, field.name);
}

namespace cbor {

// The schema's wire names as views, so that matching a key compares lengths first.
template <typename Schema>
constexpr auto FieldNames(const Schema& schema) {
  return std::apply(
      [](const auto&... field) {
        return std::array<std::string_view, sizeof...(field)>{std::string_view(field.name)...};
      },
      schema.fields);
}

}  // namespace cbor

template <WireStruct T>
bool ReadCbor(CborReader& reader, T& out, const char* /*what*/) {
  static constexpr auto kSchema = WireSchemaOf(static_cast<const T*>(nullptr));
  static constexpr auto kNames = cbor::FieldNames(kSchema);
  size_t count = 0;
  if (!reader.ReadMapHead(count, kSchema.name)) return false;
  for (; count > 0; --count) {
    std::string_view key;
    if (!reader.ReadKey(key)) return false;
    // Reads the field named `key`, if any; the first match ends the fold.
    const bool known = [&]<size_t... I>(std::index_sequence<I...>) {
      return ((key == kNames[I] ? (ReadCborField(reader, std::get<I>(kSchema.fields), out), true)
                                : false) ||
              ...);
    }
    (std::make_index_sequence<kNames.size()>());
    if (!known) reader.Skip();
    if (!reader.ok()) return false;
  }
  return true;
}

}  // namespace kr::model
