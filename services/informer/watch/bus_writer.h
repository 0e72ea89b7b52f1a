// What the informer's sinks need from the bus publisher, as an interface so the sinks are
// unit-tested against a map in memory.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/base/expected.h"
#include "common/bus/topic.h"
#include "common/model/schema_version.h"

namespace kr::informer {

class BusWriter {
 public:
  virtual ~BusWriter() = default;
  virtual Status Upsert(bus::Topic topic, const std::string& key, const nlohmann::json& value,
                        model::SchemaVersion schema) = 0;
  virtual Status Delete(bus::Topic topic, const std::string& key) = 0;
  virtual void MarkInSync() = 0;
};

}  // namespace kr::informer
