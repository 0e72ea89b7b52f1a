// The boundary where a normalizer's InvalidObject (or a JSON type error) becomes an Error.
#pragma once

#include <nlohmann/json.hpp>

#include "common/base/expected.h"
#include "services/informer/normalize/field_reader.h"

namespace kr::informer {

template <typename Normalizer>
auto Guarded(Normalizer&& normalize) -> Expected<decltype(normalize())> {
  try {
    return normalize();
  } catch (const InvalidObject& e) {
    return Error{EINVAL, e.what()};
  } catch (const nlohmann::json::exception& e) {
    return Error{EINVAL, e.what()};
  }
}

}  // namespace kr::informer
