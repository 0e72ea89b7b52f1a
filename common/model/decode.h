// Run-time decoding of model objects: errors become kr::Error values, so a bad object is
// counted and skipped instead of unwinding through the caller (architecture.md).
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "common/base/expected.h"
#include "common/model/wire_fields.h"

namespace kr::model {

template <typename T>
Expected<T> Decode(const nlohmann::json& value) {
  try {
    return value.get<T>();
  } catch (const nlohmann::json::exception& e) {
    return Error{EINVAL, std::string("malformed object: ") + e.what()};
  }
}

// Straight from a bus body (CBOR) into the struct, without an nlohmann::json tree in between
// (token_reader.h says why). Same rules and errors as Decode.
template <WireStruct T>
Expected<T> DecodeCbor(std::string_view body) {
  thread_local std::vector<Token> tokens;  // reused: its capacity is the point
  if (!TokenizeCbor(body, tokens)) {
    return Error{EINVAL, "malformed object: not exactly one CBOR item"};
  }
  try {
    T out;
    ReadObject(tokens, out);
    return out;
  } catch (const nlohmann::json::exception& e) {
    return Error{EINVAL, std::string("malformed object: ") + e.what()};
  }
}

}  // namespace kr::model
