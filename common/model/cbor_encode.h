// Model structs straight to CBOR, from the wire field lists (wire_fields.h), without building an
// nlohmann::json tree first.
//
// Why: the informer publishes every object as CBOR; going through to_json and to_cbor cost
// about a third of its CPU per pod (a map node and a string per key, then a walk of the tree).
//
// The bytes are exactly those nlohmann::json::to_cbor(nlohmann::json(value)) produces, so the
// bus publisher's "unchanged, not sent" comparison and every consumer see no difference:
// object keys in std::map order (bytewise), empty optionals left out, integers in the shortest
// form, definite lengths throughout. cbor_encode_test.cpp checks the equality on every kind.
//
//   std::string body = EncodeCbor(pod);
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "common/model/wire_fields.h"

namespace kr::model {

namespace cbor {

enum class Major : uint8_t {
  kUnsigned = 0,
  kNegative = 1,
  kText = 3,
  kArray = 4,
  kMap = 5,
};

// The head of a data item: major type and argument, in the shortest form.
inline void WriteHead(std::string& out, Major major, uint64_t argument) {
  const auto type = static_cast<char>(static_cast<uint8_t>(major) << 5);
  if (argument <= 0x17) {
    out.push_back(static_cast<char>(type | static_cast<char>(argument)));
    return;
  }
  int bytes = 8;
  char width = 0x1b;
  if (argument <= 0xff) {
    bytes = 1;
    width = 0x18;
  } else if (argument <= 0xffff) {
    bytes = 2;
    width = 0x19;
  } else if (argument <= 0xffffffff) {
    bytes = 4;
    width = 0x1a;
  }
  out.push_back(static_cast<char>(type | width));
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((argument >> shift) & 0xff));
  }
}

inline void WriteText(std::string& out, std::string_view text) {
  WriteHead(out, Major::kText, text.size());
  out.append(text);
}

inline void WriteInteger(std::string& out, int64_t value) {
  if (value >= 0) {
    WriteHead(out, Major::kUnsigned, static_cast<uint64_t>(value));
  } else {
    WriteHead(out, Major::kNegative, static_cast<uint64_t>(-1 - value));
  }
}

inline void WriteBool(std::string& out, bool value) {
  out.push_back(value ? '\xf5' : '\xf4');
}

// The order in which nlohmann::json (a std::map) holds the schema's keys.
template <typename Schema>
constexpr auto SortedFieldOrder(const Schema& schema) {
  constexpr size_t kCount = std::tuple_size_v<decltype(schema.fields)>;
  std::array<std::string_view, kCount> names{};
  std::apply(
      [&](const auto&... field) {
        size_t i = 0;
        ((names[i++] = std::string_view(field.name)), ...);
      },
      schema.fields);
  std::array<size_t, kCount> order{};
  for (size_t i = 0; i < kCount; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return names[a] < names[b]; });
  return order;
}

}  // namespace cbor

// Every overload is declared before the templates that call it: for members of standard types
// (strings, vectors of strings) argument-dependent lookup would not find a later one.
inline void EncodeValue(std::string& out, const std::string& value) {
  cbor::WriteText(out, value);
}
inline void EncodeValue(std::string& out, bool value) {
  cbor::WriteBool(out, value);
}
inline void EncodeValue(std::string& out, int32_t value) {
  cbor::WriteInteger(out, value);
}
inline void EncodeValue(std::string& out, const std::map<std::string, std::string>& value) {
  cbor::WriteHead(out, cbor::Major::kMap, value.size());
  for (const auto& [key, text] : value) {
    cbor::WriteText(out, key);
    cbor::WriteText(out, text);
  }
}
template <typename T>
void EncodeValue(std::string& out, const std::vector<T>& value);
template <typename T>
void EncodeValue(std::string& out, const std::optional<T>& value);
template <WireStruct T>
void EncodeValue(std::string& out, const T& value);

template <typename T>
void EncodeValue(std::string& out, const std::vector<T>& value) {
  cbor::WriteHead(out, cbor::Major::kArray, value.size());
  for (const T& item : value) EncodeValue(out, item);
}

// Only reached for a present optional: absent ones are left out of their object.
template <typename T>
void EncodeValue(std::string& out, const std::optional<T>& value) {
  EncodeValue(out, *value);
}

// Whether a field is written at all (to_json leaves empty optionals out).
template <typename Field, typename T>
bool FieldPresent(const Field& field, const T& value) {
  using Member = std::remove_cvref_t<decltype(value.*field.member)>;
  if constexpr (IsOptional<Member>::value) {
    return (value.*field.member).has_value();
  } else {
    return true;
  }
}

template <typename T, typename M>
void EncodeField(std::string& out, const MemberField<T, M>& field, const T& value) {
  if (!FieldPresent(field, value)) return;
  cbor::WriteText(out, field.name);
  EncodeValue(out, value.*field.member);
}

template <WireStruct T>
void EncodeValue(std::string& out, const T& value) {
  static constexpr auto kSchema = WireSchemaOf(static_cast<const T*>(nullptr));
  static constexpr auto kOrder = cbor::SortedFieldOrder(kSchema);
  const size_t present = std::apply(
      [&](const auto&... field) {
        return (size_t{0} + ... + (FieldPresent(field, value) ? 1 : 0));
      },
      kSchema.fields);
  cbor::WriteHead(out, cbor::Major::kMap, present);
  [&]<size_t... I>(std::index_sequence<I...>) {
    (EncodeField(out, std::get<kOrder[I]>(kSchema.fields), value), ...);
  }
  (std::make_index_sequence<kOrder.size()>());
}

// The CBOR body of one object, as the bus carries it.
template <WireStruct T>
std::string EncodeCbor(const T& value) {
  std::string out;
  out.reserve(256);
  EncodeValue(out, value);
  return out;
}

}  // namespace kr::model
