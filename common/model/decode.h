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

// Straight from a bus body (CBOR) into `out`, without a JSON tree or tokens in between
// (cbor_reader.h says why), reusing the storage `out` already holds: string capacities,
// vector elements, map nodes. For consumers that decode every object into the same struct;
// once warm, a decode allocates only when an object outgrows the earlier ones.
// On success `out` equals what DecodeCbor returns for the body, whatever it held before. On
// error `out` is reset to a default-constructed T (never a mix of two objects).
template <WireStruct T>
Status DecodeCborInto(std::string_view body, T& out) {
  CborReader reader(body);
  ReadCbor(reader, out, "object");
  if (reader.Finish()) return Status::Ok();
  out = T{};
  return Error{EINVAL, "malformed object: " + reader.error()};
}

// The same into a new struct. Same field rules as Decode; the body must be exactly one item.
template <WireStruct T>
Expected<T> DecodeCbor(std::string_view body) {
  T out;
  if (Status status = DecodeCborInto(body, out); !status) return status.error();
  return out;
}

}  // namespace kr::model
