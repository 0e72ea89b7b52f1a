// Run-time decoding of model objects: errors become kr::Error values, so a bad object is
// counted and skipped instead of unwinding through the caller (architecture.md).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/base/expected.h"
#include "common/model/cbor_decode.h"
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

// Straight from a bus body (CBOR) into the struct, without a JSON tree or tokens in between
// (cbor_reader.h says why). Same field rules as Decode; the body must be exactly one item.
template <WireStruct T>
Expected<T> DecodeCbor(std::string_view body) {
  CborReader reader(body);
  T out;
  ReadCbor(reader, out, "object");
  if (!reader.Finish()) return Error{EINVAL, "malformed object: " + reader.error()};
  return out;
}

}  // namespace kr::model
