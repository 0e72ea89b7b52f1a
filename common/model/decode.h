// Run-time decoding of model objects: nlohmann's exceptions become kr::Error values, so a bad
// object is counted and skipped instead of unwinding through the caller (architecture.md).
#pragma once

#include <nlohmann/json.hpp>

#include "common/base/expected.h"

namespace kr::model {

template <typename T>
Expected<T> Decode(const nlohmann::json& value) {
  try {
    return value.get<T>();
  } catch (const nlohmann::json::exception& e) {
    return Error{EINVAL, std::string("malformed object: ") + e.what()};
  }
}

}  // namespace kr::model
