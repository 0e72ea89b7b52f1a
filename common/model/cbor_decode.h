// Bus bodies (CBOR) straight into the model structs, driven by the same wire field lists as
// the JSON path (wire_fields.h) and following the same rules (proto/SPEC.md section 10): an
// absent or null field keeps its default (an optional member becomes empty), an unknown field
// is skipped whatever it holds, a value of the wrong type is an error naming the field.
//
// Each ReadCbor overload reads one value into `out`; false means the reader holds the error
// (cbor_reader.h). DecodeCbor and DecodeCborInto (decode.h) are the entry points.
//
// Every reader reuses what `out` already holds (string capacities, vector elements, map
// nodes) and leaves in it exactly what a read into a default-constructed value would: a
// struct resets each field its body did not set, a vector drops the elements beyond the
// body's, a map the keys its body lacks. So a consumer that decodes every delta into the
// same object allocates only when an object outgrows the previous ones.
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
  size_t count = 0;
  if (!reader.ReadArrayHead(count, what)) {
    out.clear();
    return false;
  }
  // The count is bounded by the body's size (cbor_reader.h); the cap bounds what a small
  // body claiming many items can make us reserve.
  out.reserve(std::min<size_t>(count, 64));
  size_t used = 0;
  for (; count > 0; --count, ++used) {
    T& item = used < out.size() ? out[used] : out.emplace_back();
    if (!ReadCbor(reader, item, what)) break;
  }
  out.erase(out.begin() + static_cast<std::ptrdiff_t>(std::min(used, out.size())), out.end());
  return reader.ok();
}

template <typename T>
bool ReadCbor(CborReader& reader, std::optional<T>& out, const char* what) {
  if (reader.TakeNull()) {
    out.reset();
    return true;
  }
  return ReadCbor(reader, out ? *out : out.emplace(), what);
}

// The value a field takes when its body does not set it.
template <typename T>
const T& DefaultValue() {
  static const T value{};
  return value;
}

// Reads the field's value; false when there was none to store (null, or an error, which the
// reader then holds): unless an earlier value of the same key was read, the field is then
// reset like an absent one (ResetCborField). proto/SPEC.md section 10: absent and null both
// mean the default.
template <typename T, typename M>
bool ReadCborField(CborReader& reader, const MemberField<T, M>& field, T& out) {
  if (reader.TakeNull()) {
    if constexpr (IsOptional<M>::value) (out.*field.member).reset();
    return false;
  }
  return ReadCbor(reader, out.*field.member, field.name);
}

template <typename T, typename M>
void ResetCborField(const MemberField<T, M>& field, T& out) {
  out.*field.member = DefaultValue<T>().*field.member;
}
inline void ResetCborField(const RuleListField& field, NetworkPolicy& out) {
  (out.*field.member).clear();
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
  static_assert(kNames.size() <= 64, "the set fields are tracked in 64 bits");
  // Bit I: field I holds a value read from this body; the others are reset at the end, so
  // that nothing of what `out` held before survives. A key given twice: the last value
  // wins, whole; a later null keeps the earlier value (an optional member becomes empty).
  uint64_t set = 0;
  size_t count = 0;
  if (reader.ReadMapHead(count, kSchema.name)) {
    for (; count > 0; --count) {
      std::string_view key;
      if (!reader.ReadKey(key)) break;
      // Reads the field named `key`, if any; the first match ends the fold.
      const bool known = [&]<size_t... I>(std::index_sequence<I...>) {
        return ((key == kNames[I] ? ((ReadCborField(reader, std::get<I>(kSchema.fields), out)
                                          ? set |= uint64_t{1} << I
                                          : 0),
                                     true)
                                  : false) ||
                ...);
      }
      (std::make_index_sequence<kNames.size()>());
      if (!known) reader.Skip();
      if (!reader.ok()) break;
    }
  }
  [&]<size_t... I>(std::index_sequence<I...>) {
    ((set & (uint64_t{1} << I) ? void() : ResetCborField(std::get<I>(kSchema.fields), out)), ...);
  }
  (std::make_index_sequence<kNames.size()>());
  return reader.ok();
}

}  // namespace kr::model
