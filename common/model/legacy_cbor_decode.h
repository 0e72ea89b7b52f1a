// The previous DecodeCbor: nlohmann's CBOR SAX parser into tokens, then TokenReader. Kept only
// as the reference that the direct reader (cbor_decode.h) is tested for equivalence with and
// measured against; nothing on the bus uses it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/base/expected.h"
#include "common/model/wire_fields.h"

namespace kr::model {

template <WireStruct T>
Expected<T> LegacyDecodeCbor(std::string_view body) {
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
