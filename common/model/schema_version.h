// The version of an object kind's schema (proto/SPEC.md section 10), carried in every frame.
#pragma once

#include <cstdint>

namespace kr::model {

struct SchemaVersion {
  uint8_t major = 0;  // a consumer drops objects of a major version it does not know
  uint8_t minor = 0;  // minor versions only add optional fields
  bool operator==(const SchemaVersion&) const = default;
};

}  // namespace kr::model
